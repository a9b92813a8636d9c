import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Injectable, Logger, Res, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The built front end (apps/admin-web → dist/apps/admin-web), beside the gateway's own dist folder. */
const WEB_ROOT = join(__dirname, '..', '..', '..', 'admin-web');

/** The page may load only its own scripts and styles and talk only to its own origin. */
const PAGE_HEADERS: Record<string, string> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-cache',
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The single-page console: every page path answers the same HTML; the page routes itself. */
@Controller()
export class AdminPageController {
  private readonly html?: string;

  constructor() {
    const index = join(WEB_ROOT, 'index.html');
    this.html = existsSync(index) ? readFileSync(index, 'utf8') : undefined;
  }

  @Get(['admin', 'admin/sign-in', 'admin/connection', 'admin/notifications', 'admin/domains', 'admin/activity'])
  page(@Res() reply: FastifyReply): void {
    if (!this.html) {
      reply
        .status(503)
        .header('Content-Type', 'text/plain; charset=utf-8')
        .send('The admin console has not been built: run "npm run build".');
      return;
    }
    reply.status(200).headers(PAGE_HEADERS).send(this.html);
  }
}

/**
 * The page's scripts and styles under /admin/assets/ (@fastify/static). Their names carry a
 * content hash, so they are cached for good; gzip and brotli copies made at build time are served
 * to browsers that accept them.
 */
@Injectable()
export class AdminAssets implements OnModuleInit {
  private readonly logger = new Logger('AdminConsole');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const root = join(WEB_ROOT, 'assets');
    if (!existsSync(root)) {
      this.logger.warn(`The admin console is not built (${root} is missing): run "npm run build"`);
      return;
    }
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    // Not awaited: loading the plugin now would boot Fastify's root context before Nest installs
    // its error handler there, and body-parsing errors would bypass the exception filters.
    void fastify.register(fastifyStatic, {
      root,
      prefix: '/admin/assets/',
      decorateReply: false,
      index: false,
      preCompressed: true,
      immutable: true,
      maxAge: '365d',
      setHeaders: (reply) => void reply.header('X-Content-Type-Options', 'nosniff'),
    });
  }
}
