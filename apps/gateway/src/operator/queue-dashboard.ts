import { parse as parseQuery } from 'node:querystring';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DIRECTORY_QUEUE, NOTIFICATIONS_QUEUE, createRedisConnection, type RedisConnection } from '@scim/queue';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { redactJobPayload } from './job-redaction';
import {
  OPERATOR_COOKIE,
  clearedSessionCookie,
  cookieValue,
  isOperatorBearer,
  isOperatorToken,
  isValidOperatorSession,
  operatorSessionValue,
  sessionCookie,
  signInPage,
} from './operator-session';

/** Apart from the tenant admin console (/admin, /admin/api/*): operators only. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

const SECURITY_HEADERS: Record<string, string> = {
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Bull Board for the `directory` and `notifications` queues at /admin/queues, mounted only when
 * OPERATOR_TOKEN is set. Access: `Authorization: Bearer <OPERATOR_TOKEN>` (curl, scripts), or a
 * browser session cookie (HttpOnly, SameSite=Strict, 8 h) set by a sign-in form that asks for the
 * token. Read-only, and job payloads and results are shown redacted (job-redaction.ts).
 */
@Injectable()
export class QueueDashboard implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('QueueDashboard');
  private connection?: RedisConnection;
  private queues: Queue[] = [];

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const token = this.config.operatorToken;
    if (!token) return;
    // Its own connection: the dashboard's polling never queues behind (or in front of) SCIM writes.
    this.connection = createRedisConnection(this.config.redis, 'commands', { name: 'scim-gateway-dashboard' });
    this.queues = [DIRECTORY_QUEUE, NOTIFICATIONS_QUEUE].map(
      (name) => new Queue(name, { connection: this.connection!, prefix: this.config.queuePrefix }),
    );
    const board = new BullBoardFastifyAdapter();
    board.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: this.queues.map((queue) => {
        const adapter = new BullMQAdapter(queue, { readOnlyMode: true });
        adapter.setFormatter('data', redactJobPayload);
        adapter.setFormatter('returnValue', redactJobPayload);
        return adapter;
      }),
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'SCIM queues', hideDocsLink: true } },
    });
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const secure = this.config.publicUrl.startsWith('https:');
    // Not awaited: loading it now would boot Fastify before Nest has installed its handlers.
    void fastify.register(
      async (scope) => {
        scope.addContentTypeParser(
          'application/x-www-form-urlencoded',
          { parseAs: 'string', bodyLimit: 4096 },
          (_request, body, done) => {
            done(null, parseQuery(String(body)));
          },
        );
        scope.addHook('onSend', async (_request, reply, payload) => {
          reply.headers(SECURITY_HEADERS);
          return payload;
        });
        scope.addHook('onRequest', (request, reply, done) => {
          const path = request.url.split('?')[0]!.slice(QUEUE_DASHBOARD_PATH.length).replace(/\/+$/, '');
          if (path === '/login' || path === '/logout') return done();
          const session = cookieValue(request.headers.cookie, OPERATOR_COOKIE);
          if (
            isOperatorBearer(token, request.headers.authorization) ||
            isValidOperatorSession(token, session, Date.now())
          )
            return done();
          void this.refuse(request, reply, path);
        });
        scope.get('/login', (_request, reply) => this.page(reply, 200));
        scope.post('/login', (request, reply) => {
          const given = (request.body as Record<string, unknown> | undefined)?.['token'];
          if (!isOperatorToken(token, given)) {
            this.logger.warn('Refused a sign-in to the queue dashboard: wrong operator token');
            return this.page(reply, 401, 'That is not the operator token.');
          }
          this.logger.log('Operator signed in to the queue dashboard');
          return reply
            .header('Set-Cookie', sessionCookie(operatorSessionValue(token, Date.now()), QUEUE_DASHBOARD_PATH, secure))
            .header('Cache-Control', 'no-store')
            .redirect(`${QUEUE_DASHBOARD_PATH}/`, 303);
        });
        scope.get('/logout', (_request, reply) =>
          reply
            .header('Set-Cookie', clearedSessionCookie(QUEUE_DASHBOARD_PATH, secure))
            .header('Cache-Control', 'no-store')
            .redirect(`${QUEUE_DASHBOARD_PATH}/login`, 303),
        );
        await scope.register(board.registerPlugin());
      },
      { prefix: QUEUE_DASHBOARD_PATH },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close().catch(() => undefined)));
    this.connection?.disconnect();
  }

  /** Without a session: the sign-in page for a browser opening a page, a 401 for the board's API and scripts. */
  private refuse(request: FastifyRequest, reply: FastifyReply, path: string): FastifyReply {
    const wantsPage =
      request.method === 'GET' &&
      !path.startsWith('/api/') &&
      !path.startsWith('/static/') &&
      (request.headers.accept ?? '').includes('text/html');
    if (wantsPage) return this.page(reply, 401);
    return reply
      .code(401)
      .header('WWW-Authenticate', 'Bearer realm="operator"')
      .header('Cache-Control', 'no-store')
      .type('application/json; charset=utf-8')
      .send({
        status: '401',
        detail: `The queue dashboard needs the operator token: "Authorization: Bearer <OPERATOR_TOKEN>", or sign in at ${QUEUE_DASHBOARD_PATH}/login.`,
      });
  }

  private page(reply: FastifyReply, status: number, problem?: string): FastifyReply {
    return reply
      .code(status)
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(signInPage(QUEUE_DASHBOARD_PATH, problem));
  }
}
