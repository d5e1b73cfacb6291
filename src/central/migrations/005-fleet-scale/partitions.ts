/**
 * Partitions a bank cannot multiply or hold hostage (migration 5).
 *
 * - Monthly partitions are made only for months in the center's plausible window (the twelve
 *   months before this one up to next month). Every other event time (a bank whose clock says
 *   1980 or 2090) lands in one DEFAULT partition, events_outliers: one batch with an event per
 *   month since 1980 creates at most the window's 14 partitions, not 560.
 * - A new month's partition is made as a plain table and ATTACHed: that takes SHARE UPDATE
 *   EXCLUSIVE on central.events, which banks inserting (ROW EXCLUSIVE) do not block, where
 *   CREATE TABLE ... PARTITION OF needed the whole table exclusively.
 * - One bank at a time makes partitions, by a row lock on central.partition_turn (no bank can
 *   touch that table; the advisory lock of migration 1 was open to every role). A bank that finds
 *   the turn taken, or the default partition busy for more than 100 ms, does not wait: its events
 *   of that month go to the default partition, and whoever makes the month's partition later
 *   moves them into it (under an exclusive lock on the default partition, so none slip in; the
 *   banks writing there meanwhile hold it against an attach until they commit).
 */
export const PARTITIONS_SQL = String.raw`
  CREATE TABLE central.events_outliers PARTITION OF central.events DEFAULT;
  CREATE INDEX events_outliers_at ON central.events_outliers (at);

  CREATE TABLE central.partition_turn (one boolean PRIMARY KEY DEFAULT true CHECK (one));
  INSERT INTO central.partition_turn DEFAULT VALUES;
  REVOKE ALL ON central.partition_turn FROM PUBLIC;

  -- The plausible window of event times, [from, to): whole months, UTC.
  CREATE FUNCTION central.partition_window(OUT w_from timestamptz, OUT w_to timestamptz)
  LANGUAGE sql STABLE SET search_path = pg_catalog AS $fn$
    SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '12 months') AT TIME ZONE 'UTC',
           (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '2 months') AT TIME ZONE 'UTC'
  $fn$;

  CREATE OR REPLACE FUNCTION central.ensure_event_partitions(p_from timestamptz, p_to timestamptz) RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, central, pg_temp AS $fn$
  DECLARE
    m timestamptz; m_end timestamptz; v_name text; w record; v_timeout text;
  BEGIN
    SELECT * INTO w FROM central.partition_window();
    IF p_from IS NULL OR p_to < w.w_from OR p_from >= w.w_to THEN
      RETURN; -- nothing in the window: all to the default partition
    END IF;
    FOR m IN SELECT date_trunc('month', p_from, 'UTC') WHERE date_trunc('month', p_from, 'UTC') = date_trunc('month', p_to, 'UTC')
             UNION ALL
             SELECT DISTINCT date_trunc('month', i.at, 'UTC') FROM pg_temp.incoming i
             WHERE date_trunc('month', p_from, 'UTC') <> date_trunc('month', p_to, 'UTC') LOOP
      CONTINUE WHEN m < w.w_from OR m >= w.w_to;
      v_name := 'events_' || to_char(m AT TIME ZONE 'UTC', 'YYYY_MM');
      CONTINUE WHEN to_regclass('central.' || v_name) IS NOT NULL;
      m_end := ((m AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
      v_timeout := current_setting('lock_timeout');
      BEGIN
        -- another bank is at it: go on, this month's events wait in the default partition
        PERFORM 1 FROM central.partition_turn FOR UPDATE NOWAIT;
        PERFORM set_config('lock_timeout', '100ms', true);
        LOCK TABLE central.events_outliers IN ACCESS EXCLUSIVE MODE;
        -- (after the locks the catalog is current: someone may have made it meanwhile)
        IF to_regclass('central.' || v_name) IS NULL THEN
          EXECUTE format('CREATE TABLE central.%I (LIKE central.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS, '
                         'CONSTRAINT %I CHECK (at >= %L AND at < %L))', v_name, v_name || '_month', m, m_end);
          EXECUTE format('WITH moved AS (DELETE FROM central.events_outliers o WHERE o.at >= %L AND o.at < %L RETURNING o.*) '
                         'INSERT INTO central.%I SELECT * FROM moved', m, m_end, v_name);
          EXECUTE format('ALTER TABLE central.events ATTACH PARTITION central.%I FOR VALUES FROM (%L) TO (%L)', v_name, m, m_end);
        END IF;
        PERFORM set_config('lock_timeout', v_timeout, true);
      EXCEPTION WHEN lock_not_available THEN
        -- 55P03: the turn taken, or the default partition busy. This month's events go to the
        -- default partition: hold it (ROW EXCLUSIVE) until this transaction ends, so no bank
        -- attaches their month meanwhile (its new bound would refuse them). A bank attaching
        -- right now is waited for; this transaction has not locked central.events yet, so its
        -- insert then sees the new partition.
        LOCK TABLE central.events_outliers IN ROW EXCLUSIVE MODE;
      END;
    END LOOP;
  END $fn$;
  REVOKE ALL ON FUNCTION central.partition_window() FROM PUBLIC;
  REVOKE ALL ON FUNCTION central.ensure_event_partitions(timestamptz, timestamptz) FROM PUBLIC;
`;
