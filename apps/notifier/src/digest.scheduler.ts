import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { NotificationStore, type DeliveryPolicy } from '@scim/notifications';
import { NOTIFIER_CONFIG, type NotifierConfig } from './config/notifier.config';
import { SmtpMailSender, messageIdDomain } from './mail/smtp-mail.sender';
import { DigestTelemetry } from './telemetry/digest.telemetry';
import { digestActivityUrl, renderFailureDigest } from './templates/failure-digest.template';

/** Retries of one digest back off to at most an hour apart, and go on for a day. */
const MAX_RETRY_DELAY_MS = 3600_000;
const GIVE_UP_AFTER_MS = 24 * 3600_000;

/**
 * The notifier's loop: every tick it turns tenants' pending failures whose window has passed into
 * stored digests, then sends every digest that is due. All state is in Postgres, so ticks of
 * several replicas, and a replica killed mid-tick, neither lose nor double a digest.
 */
@Injectable()
export class DigestScheduler implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Notifier');
  private readonly sender: SmtpMailSender;
  private readonly policy: DeliveryPolicy;
  private readonly tickMs: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    @Inject(NOTIFIER_CONFIG) private readonly config: NotifierConfig,
    private readonly store: NotificationStore,
    private readonly telemetry: DigestTelemetry,
  ) {
    this.sender = new SmtpMailSender(config.smtpUrl, config.mailFrom);
    this.policy = { retryMs: config.retryMs, maxRetryDelayMs: MAX_RETRY_DELAY_MS, giveUpAfterMs: GIVE_UP_AFTER_MS };
    // Often enough that a digest goes out soon after its window; at most once a second.
    this.tickMs = Math.max(100, Math.min(1000, Math.floor(config.digestMs / 4), Math.floor(config.retryMs / 2)));
  }

  onModuleInit(): void {
    this.schedule();
  }

  // Before the database pool closes (onApplicationShutdown), so running work can finish.
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.sender.close();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => this.schedule());
    }, this.tickMs);
  }

  private async tick(): Promise<void> {
    try {
      const gathered = await this.store.gatherDue(
        this.config.digestMs,
        messageIdDomain(this.config.mailFrom),
        (tenant, failures, digestId) =>
          renderFailureDigest(tenant, failures, digestActivityUrl(this.config.publicUrl, digestId)),
      );
      if (gathered > 0) this.logger.log(`Gathered ${gathered} digest(s)`);
      for (;;) {
        if (this.stopped) return;
        const report = await this.store.sendNextDue(this.sender, this.policy);
        this.telemetry.attempted(report);
        if (report.outcome !== 'sent') return;
      }
    } catch (error) {
      // Postgres unreachable, say: the next tick tries again; nothing is lost.
      this.logger.warn(`Digest tick failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
