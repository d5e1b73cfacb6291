/**
 * Migration 6: the notifier confirms a stored return to the customer named when its pass was
 * issued. A new message kind, and the pass a message is about (its contact, instead of a
 * carrier's pre-advice).
 */
export const PASS_NOTIFICATIONS_SQL = String.raw`
  ALTER TABLE central.notifications DROP CONSTRAINT notifications_kind_check;
  ALTER TABLE central.notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('stored', 'reminder', 'expired', 'picked_up', 'return_stored'));
  ALTER TABLE central.notifications ADD COLUMN pass_id text COLLATE "C";
`;
