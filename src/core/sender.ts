// Who may talk to the background: only the extension's own pages. AutoBearer has no content
// scripts, and a web page or another extension must never reach a handler (tokens, sign-in).

/** What the browser tells about a message's sender (runtime.MessageSender, the parts used). */
export interface MessageSender {
  readonly id?: string;
  readonly url?: string;
}

/**
 * True for a page of this extension: the browser sets `id` to the sending extension and `url`
 * to the sending document, so a content script (a web page's URL), a web page
 * (externally_connectable is not declared) or another extension (another id) is refused.
 * `extensionOrigin` ends in `/`, so `chrome-extension://ID.evil/` is not mistaken for it.
 */
export function isOwnPage(sender: MessageSender, runtimeId: string, extensionOrigin: string): boolean {
  return sender.id === runtimeId && typeof sender.url === 'string' && sender.url.startsWith(extensionOrigin);
}
