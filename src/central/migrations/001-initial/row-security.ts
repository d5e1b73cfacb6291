/**
 * Who sees what: a bank's role reads its own rows only (row-level security), and the functions
 * it may call learn its bank from the login role, never from an argument alone.
 */
export const ROW_SECURITY_SQL = String.raw`
  -- Reading: a bank's role sees its own rows only (parcel_history through events).
  ALTER TABLE central.banks ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_bank ON central.banks FOR SELECT USING (role_name = current_user);
  ALTER TABLE central.events ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.events FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));
  ALTER TABLE central.lockers ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.lockers FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));
  ALTER TABLE central.parcels ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.parcels FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));

  -- The bank of the role that logged in. Inside a SECURITY DEFINER function current_user is
  -- the owner, so the login role (session_user) identifies the bank; SET ROLE is not honoured.
  CREATE FUNCTION central.caller_bank(p_bank_id text) RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
  DECLARE v_bank text;
  BEGIN
    SELECT b.id INTO v_bank FROM central.banks b WHERE b.role_name = session_user;
    IF v_bank IS NULL THEN
      RAISE EXCEPTION 'role % is not a bank''s role', session_user USING ERRCODE = '42501';
    END IF;
    IF p_bank_id IS DISTINCT FROM v_bank THEN
      RAISE EXCEPTION 'role % belongs to bank %, not to bank %', session_user, v_bank, p_bank_id USING ERRCODE = '42501';
    END IF;
    RETURN v_bank;
  END $fn$;

  REVOKE ALL ON FUNCTION central.caller_bank(text) FROM PUBLIC;
`;
