import { Inject, Injectable } from '@nestjs/common';
import type { DeliveryReport } from '@scim/notifications';
import { APP_LOGGER, type Logger } from '@scim/telemetry';
import { describeSmtpError } from '../mail/smtp-error';
import { NotifierOps } from './notifier-ops.service';

/**
 * One log line and one metric per digest send attempt: tenantId, digestId, outcome, attempts and,
 * when it failed, the SMTP error with its reason. Never the email's body.
 */
@Injectable()
export class DigestTelemetry {
  constructor(
    @Inject(APP_LOGGER) private readonly logger: Logger,
    private readonly ops: NotifierOps,
  ) {}

  attempted(report: DeliveryReport): void {
    if (report.outcome === 'idle') return;
    this.ops.digests?.record(report.outcome);
    const { outcome, tenantId, digestId, attempts, failureCount } = report;
    const fields = { tenantId, digestId, outcome, attempts, failures: failureCount };
    if (outcome === 'sent') {
      this.logger.info(fields, 'digest sent');
      return;
    }
    const smtp = describeSmtpError(report.error);
    if (outcome === 'retry')
      this.logger.warn({ ...fields, retryInMs: report.retryInMs, smtp }, `digest not sent: ${smtp.reason}; will retry`);
    else
      this.logger.error(
        { ...fields, smtp },
        `digest given up after ${attempts} attempts: ${smtp.reason}; its failures stay in the operations log`,
      );
  }
}
