/** A way to reach a customer (e-mail, an SMS gateway's webhook); each fails on its own. */
export interface OutgoingMessage {
  /** The delivery row's id: the same for every attempt of one message. */
  notificationId: number;
  /** Stable across attempts: the Message-ID / idempotency key a receiver can drop repeats by. */
  messageId: string;
  to: string;
  subject: string | null;
  text: string;
  /** Values for a body template (the webhook's JSON body). */
  vars: Record<string, string>;
}

export interface Transport {
  readonly channel: "email" | "sms";
  /** Resolves once the receiver accepted the message; rejects (with a reason) otherwise. */
  send(msg: OutgoingMessage): Promise<void>;
  close(): void;
}
