/**
 * A real SMTP server as its own process, for the notifier's tests (the smtp-server package):
 * STARTTLS with the package's self-signed certificate, AUTH PLAIN/LOGIN as lockerd/secret.
 * Prints JSON lines on stdout: {"event":"listening","port":N}, {"event":"rcpt"} when a
 * recipient is given (a message is under way), {"event":"message","raw":"..."} once a message
 * is accepted. SMTP_PORT (default 0); SMTP_DELAY_MS: wait this long before accepting each
 * recipient (a slow server: a sender killed meanwhile has delivered nothing).
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
  onRcptTo(_address, _session, cb) {
    out({ event: "rcpt" });
    setTimeout(() => cb(), delayMs);
  },
  onData(stream, session, cb) {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      out({ event: "message", secure: session.secure, raw: Buffer.concat(chunks).toString("utf8") });
      cb();
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
