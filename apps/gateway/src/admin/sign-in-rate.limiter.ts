import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config';
import { AdminApiException } from './admin-api.error';
import { ConsoleMailClient } from './console-mail.client';

const WINDOW_SECONDS = 15 * 60;
/** Requests for sign-in links per client address, and per email address asked for, per 15 minutes. */
export const LINK_REQUESTS_PER_IP = 10;
export const LINK_REQUESTS_PER_ADDRESS = 3;

/**
 * Rate limits of "email me a sign-in link" (rate-limiter-flexible, counters in Redis so that every
 * gateway replica shares them; per process in memory while Redis is unreachable). The per-address
 * limit applies whether or not the address is an admin's, so the answer tells nothing.
 */
@Injectable()
export class SignInRateLimiter {
  private readonly perIp: RateLimiterRedis;
  private readonly perAddress: RateLimiterRedis;

  constructor(mail: ConsoleMailClient, @Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    const limiter = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: mail.redis,
        keyPrefix: `${config.queuePrefix}:console-sign-in:${name}`,
        points,
        duration: WINDOW_SECONDS,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ points, duration: WINDOW_SECONDS }),
      });
    this.perIp = limiter('ip', LINK_REQUESTS_PER_IP);
    this.perAddress = limiter('address', LINK_REQUESTS_PER_ADDRESS);
  }

  async consume(ip: string, address: string): Promise<void> {
    try {
      await this.perIp.consume(ip);
      await this.perAddress.consume(address);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      const minutes = Math.max(1, Math.ceil(refusal.msBeforeNext / 60000));
      throw new AdminApiException(
        429,
        `Too many sign-in links were asked for. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}, or ask your operator for a link.`,
        {},
        { 'Retry-After': String(Math.ceil(refusal.msBeforeNext / 1000)) },
      );
    }
  }
}
