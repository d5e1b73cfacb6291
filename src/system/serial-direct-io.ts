/**
 * Serial ports read and written from the event loop itself, never through libuv's thread pool.
 *
 * serialport's Linux binding reads and writes its (non-blocking) descriptor with the async
 * fs.read and fs.write: each read or write is a trip to libuv's thread pool and back, even
 * when the kernel has the bytes at once. That pool is the process's only one, shared with the
 * store's fdatasync calls (store/wal-flush.ts) and the sync worker's. On a Pi the SD card can
 * hold an fdatasync for a quarter of a second, and every trip to the pool is one more thread
 * to be woken on a slow, busy CPU: a scanned code waited behind them on its way in and the
 * unlock frame on its way out. The descriptor is non-blocking (the binding opens it with
 * O_NONBLOCK), so a read or write of it returns at once: read it when the binding's poller
 * (epoll, on the event loop) says it is readable, write it when it is writable, in the same
 * turn. Everything else (open, close, termios, flush, drain) is the Linux binding's own.
 */
import { readSync, writeSync } from "node:fs";
import { BindingsError, LinuxBinding, type BindingPortInterface, type LinuxBindingInterface, type LinuxOpenOptions, type LinuxPortBinding, type LinuxSetOptions, type UpdateOptions } from "@serialport/bindings-cpp";

/** Errors that mean "not now": wait for the poller and try again. */
const NOT_NOW = new Set(["EAGAIN", "EWOULDBLOCK", "EINTR"]);
/** Errors that mean the device is gone (unplugged adapter, closed descriptor), as serialport's binding treats them. */
const GONE = new Set(["EBADF", "ENXIO", "EIO", "UNKNOWN"]);

export class DirectPortBinding implements BindingPortInterface {
  private writing: Promise<void> | null = null;

  constructor(private readonly inner: LinuxPortBinding) {}

  get openOptions(): Required<LinuxOpenOptions> {
    return this.inner.openOptions;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (buffer.length < offset + length) throw new Error("buffer is too small");
    for (;;) {
      const fd = this.openFd();
      try {
        const bytesRead = readSync(fd, buffer, offset, length, null);
        if (bytesRead > 0) return { buffer, bytesRead };
      } catch (e) {
        if (!NOT_NOW.has(codeOf(e))) throw gone(e);
      }
      await this.when("readable");
    }
  }

  /** A closed port rejects (writeAll's first step), as serialport's binding does; never a synchronous throw. */
  write(buffer: Buffer): Promise<void> {
    const op = this.writeAll(buffer).finally(() => {
      if (this.writing === op) this.writing = null;
    });
    this.writing = op;
    return op;
  }

  update(options: UpdateOptions): Promise<void> {
    return this.inner.update(options);
  }

  set(options: LinuxSetOptions): ReturnType<LinuxPortBinding["set"]> {
    return this.inner.set(options);
  }

  get(): ReturnType<LinuxPortBinding["get"]> {
    return this.inner.get();
  }

  getBaudRate(): Promise<{ baudRate: number }> {
    return this.inner.getBaudRate();
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  async drain(): Promise<void> {
    await this.writing;
    return this.inner.drain();
  }

  private async writeAll(buffer: Buffer): Promise<void> {
    let offset = 0;
    while (offset < buffer.length) {
      const fd = this.openFd();
      try {
        offset += writeSync(fd, buffer, offset, buffer.length - offset);
        continue;
      } catch (e) {
        if (!NOT_NOW.has(codeOf(e))) throw gone(e);
      }
      await this.when("writable");
    }
  }

  /** The descriptor, or the "canceled" error serialport's stream expects from a port closed under a read or write. */
  private openFd(): number {
    const fd = this.inner.fd;
    if (fd === null) throw new BindingsError("Port is not open", { canceled: true });
    return fd;
  }

  /** The binding's poller (epoll on the event loop); rejects with its "canceled" error when the port closes. */
  private when(event: "readable" | "writable"): Promise<void> {
    return new Promise((resolve, reject) => {
      this.inner.poller.once(event, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  }
}

/** The Linux binding, with reads and writes done by DirectPortBinding. */
export const DirectLinuxBinding = {
  list: () => LinuxBinding.list(),
  async open(options: LinuxOpenOptions): Promise<DirectPortBinding> {
    return new DirectPortBinding(await LinuxBinding.open(options));
  },
} satisfies Pick<LinuxBindingInterface, "list"> & { open(o: LinuxOpenOptions): Promise<DirectPortBinding> };

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? code : "";
}

/** Marked as a disconnect, as serialport's binding does, so the stream closes the port. */
function gone(e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  if (GONE.has(codeOf(e))) Object.assign(err, { disconnect: true });
  return err;
}
