import type { MailContent } from '../../domain/mail.ts';
import { type Sender, link, message } from './layout.ts';
import { html } from './markup.ts';

/** A one-use sign-in link: the first one of a new user, or one asked for with "forgot password". */
export function signInLinkMessage(
  sender: Sender,
  input: { name: string; url: string; expiresAt: string; reason: 'welcome' | 'reset' },
): MailContent {
  const welcome = input.reason === 'welcome';
  const lines = welcome
    ? [`${sender.producerName} made you an account on its licence portal.`, 'Sign in with this link:']
    : [
        'Someone, hopefully you, asked for a way into the licence portal.',
        'Sign in with this link and set a new password:',
      ];
  const after = [
    `The link works once, until ${input.expiresAt}.`,
    ...(welcome ? [] : ['If you did not ask for it, ignore this message; your password stays as it is.']),
  ];
  return message(sender, {
    subject: welcome ? `Your sign-in link to ${sender.producerName}` : `Sign in to ${sender.producerName}`,
    greeting: `Hello ${input.name},`,
    lines,
    text: [input.url, '', ...after],
    body: html`${link(input.url, 'Sign in')}<p>${input.url}</p>${after.map((line) => html`<p>${line}</p>`)}`,
  });
}
