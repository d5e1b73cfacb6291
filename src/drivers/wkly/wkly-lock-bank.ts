/**
 * "WKLY" lock boards as a lock bank. The board times the unlock pulse itself. Door feedback is
 * read with "read all locks" (0x84), one byte per channel. Sources disagree on two points, so
 * both are settings: which lock byte means closed (01 in every source seen; kept a setting
 * because it follows the feedback switch), and whether the board answers an unlock (most
 * sources show the 0x82 answer; one board is documented as silent, and is confirmed by reading).
 */
import { BoardLockBank, BoardRefusedError, type BoardBankOptions, type BoardProtocol, type BoardReading } from "../serial/board-bank.js";
import type { BusLink } from "../serial/link.js";
import { STATUS_OK, openRequest, parseReply, readAllRequest, replyFormat } from "./protocol.js";

export interface WklySettings {
  /** The lock byte that means closed (the other of 0x00/0x01 means open; 0xFF: cannot tell). */
  closedLock: 0 | 1;
  /** "answered": the board answers an unlock (0x82); "silent": it does not, the unlock is confirmed by a reading. */
  unlockReply: "answered" | "silent";
}

const hex2 = (n: number) => n.toString(16).padStart(2, "0").toUpperCase();

export function wklyProtocol(settings: WklySettings): BoardProtocol {
  const openLock = settings.closedLock === 1 ? 0 : 1;
  const read = async (link: BusLink, board: number, retries?: number): Promise<BoardReading> => {
    const r = await link.request(
      readAllRequest(board),
      (f) => {
        const x = parseReply(f);
        return x?.kind === "all" && x.board === board ? x : undefined;
      },
      `wkly read of board ${board}`,
      retries,
    );
    if (r.status !== STATUS_OK) throw new BoardRefusedError(`wkly board ${board} refused the reading (status ${hex2(r.status)})`);
    return { doorOpen: r.locks.map((l) => (l === settings.closedLock ? false : l === openLock ? true : null)) };
  };
  return {
    kind: "wkly",
    replyFormat,
    read,
    async unlock(link, board, channel) {
      if (settings.unlockReply === "silent") {
        await link.send(openRequest(board, channel));
        return read(link, board);
      }
      const r = await link.request(
        openRequest(board, channel),
        (f) => {
          const x = parseReply(f);
          return x?.kind === "open" && x.board === board && x.channel === channel ? x : undefined;
        },
        `wkly unlock of board ${board} channel ${channel}`,
      );
      if (r.status !== STATUS_OK) throw new BoardRefusedError(`wkly board ${board} refused to open channel ${channel} (status ${hex2(r.status)})`);
      return null;
    },
  };
}

export class WklyLockBank extends BoardLockBank {
  constructor(opts: Omit<BoardBankOptions, "protocol"> & { settings: WklySettings }) {
    super({ ...opts, protocol: wklyProtocol(opts.settings) });
  }
}
