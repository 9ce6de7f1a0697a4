import type { MailContent } from '../../domain/mail.ts';
import { headerText } from '../../domain/mail.ts';
import { type Markup, html } from './markup.ts';

/** Who sends, as every template names it. */
export interface Sender {
  producerName: string;
  supportEmail: string | undefined;
}

/** One table row of facts, both parts. */
export interface Fact {
  label: string;
  value: string;
}

/**
 * Every message: a subject on one line, a text part, and an HTML part made from the same facts.
 * The footer says who sent it and where to ask.
 */
export function message(
  sender: Sender,
  parts: { subject: string; greeting: string; lines: string[]; body: Markup; text: string[] },
): MailContent {
  const footerText = [
    '--',
    `${sender.producerName}`,
    ...(sender.supportEmail ? [`Questions? Write to ${sender.supportEmail}.`] : []),
  ];
  const text = [parts.greeting, '', ...parts.lines, '', ...parts.text, '', ...footerText].join('\n');
  const page = html`<!doctype html>
<html><head><meta charset="utf-8"><title>${parts.subject}</title></head>
<body style="font-family:system-ui,sans-serif;color:#1b1f24;max-width:40rem">
<p>${parts.greeting}</p>
${parts.lines.map((line) => html`<p>${line}</p>\n`)}
${parts.body}
<p style="color:#57606a;font-size:0.9em">${sender.producerName}${
    sender.supportEmail
      ? html`<br>Questions? Write to <a href="mailto:${sender.supportEmail}">${sender.supportEmail}</a>.`
      : ''
  }</p>
</body></html>
`;
  return { subject: headerText(parts.subject), text: `${text}\n`, html: page.html };
}

export function factsText(facts: Fact[]): string[] {
  return facts.map((fact) => `${fact.label}: ${fact.value}`);
}

export function factsHtml(facts: Fact[]): Markup {
  return html`<table style="border-collapse:collapse">${facts.map(
    (fact) =>
      html`<tr><th style="text-align:left;padding:2px 12px 2px 0">${fact.label}</th><td>${fact.value}</td></tr>`,
  )}</table>`;
}

export function link(url: string, label: string): Markup {
  return html`<p><a href="${url}" style="display:inline-block;padding:8px 16px;background:#0969da;color:#fff;text-decoration:none;border-radius:6px">${label}</a></p>`;
}
