/**
 * A real SMTP server as its own process, for the notifier's tests (the smtp-server package):
 * STARTTLS with the package's self-signed certificate, AUTH PLAIN/LOGIN as lockerd/secret.
 * Prints JSON lines on stdout: {"event":"listening","port":N}, {"event":"data-start"} when a
 * message's DATA begins, {"event":"message","raw":"..."} once a message is accepted.
 * SMTP_PORT (default 0), SMTP_DELAY_MS: wait this long before accepting each message.
 */
import { SMTPServer } from "smtp-server";

const delayMs = Number(process.env.SMTP_DELAY_MS ?? 0);
const out = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + "\n");

const server = new SMTPServer({
  authOptional: false,
  authMethods: ["PLAIN", "LOGIN"],
  onAuth(auth, _session, cb) {
    if (auth.username === "lockerd" && auth.password === "secret") cb(null, { user: "lockerd" });
    else cb(new Error("bad credentials"));
  },
  onData(stream, session, cb) {
    out({ event: "data-start", secure: session.secure });
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      setTimeout(() => {
        out({ event: "message", secure: session.secure, raw: Buffer.concat(chunks).toString("utf8") });
        cb();
      }, delayMs);
    });
  },
  logger: false,
  disableReverseLookup: true,
});
server.listen(Number(process.env.SMTP_PORT ?? 0), "127.0.0.1", () => {
  const addr = server.server.address();
  out({ event: "listening", port: typeof addr === "object" && addr ? addr.port : 0 });
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
