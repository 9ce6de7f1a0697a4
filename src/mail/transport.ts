import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config.ts';
import type { MailAttachment } from '../domain/mail.ts';

/** One message as it leaves Licentia. */
export interface OutgoingMail {
  /** Our message ID: the same on every attempt, so that a receiver can drop a duplicate. */
  messageId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  attachments: MailAttachment[];
}

export interface MailTransport {
  /** Where messages go, for the log and the Outbox page (never with a password). */
  readonly description: string;
  /** Resolves once the message is accepted; rejects with nodemailer's error (`responseCode`, `code`). */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** SMTP when `SMTP_URL` is set; otherwise each message becomes an `.eml` file in the mail folder. */
export function createMailTransport(config: Config): MailTransport {
  return config.mail.smtpUrl ? smtpTransport(config) : emlTransport(config, mailDirectory(config));
}

/** `LICENTIA_MAIL_DIR`, else `mail/` beside the SQLite database file, else `./data/mail`. */
export function mailDirectory(config: Config): string {
  if (config.mail.dir) return resolve(config.mail.dir);
  const url = config.databaseUrl;
  if (url.startsWith('sqlite:') && url !== 'sqlite::memory:')
    return resolve(dirname(url.slice('sqlite:'.length)), 'mail');
  return resolve('data', 'mail');
}

function smtpTransport(config: Config): MailTransport {
  const smtpUrl = config.mail.smtpUrl ?? '';
  const url = new URL(smtpUrl);
  const transporter = nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
    ...(url.username
      ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
      : {}),
    // A mail server that hangs must not hold a delivery forever: the attempt fails and is retried.
    // It must also end well within the outbox's lease (half of LICENTIA_OUTBOX_LEASE_MS, 30 s by default).
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    description: `SMTP ${url.protocol === 'smtps:' ? 'over TLS' : '(STARTTLS when offered)'} to ${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}`,
    send: async (mail) => {
      await transporter.sendMail(envelope(config, mail));
    },
    close: () => transporter.close(),
  };
}

function emlTransport(config: Config, directory: string): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `.eml files in ${directory}`,
    send: async (mail) => {
      const info = await transporter.sendMail(envelope(config, mail));
      await mkdir(directory, { recursive: true });
      // Written under a temporary name first, so that a reader never sees half a message.
      const file = join(directory, `${mail.messageId}.eml`);
      await writeFile(`${file}.tmp`, info.message as Buffer, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
    },
    close: () => transporter.close(),
  };
}

function envelope(config: Config, mail: OutgoingMail) {
  return {
    from: { name: config.mail.producerName, address: config.mail.from },
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: `<${mail.messageId}@licentia>`,
    attachments: mail.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
    })),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
