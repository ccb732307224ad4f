import type { MigrationInterface, QueryRunner } from 'typeorm';

// A tamper-evident audit trail: every audit_event row carries `chain_seq` (its place in the chain) and
// `hash` = sha256(previous row's hash || the row's content), computed by a BEFORE INSERT trigger, so every
// way a row is written (the API's inserts, the imaging ingest's batched SQL, the PL/pgSQL indexing function)
// is chained. Changing, removing or slipping in a row breaks the chain from that row on; the verify
// endpoint and command find the first broken row.
//
// Appends are serialised by the single row of audit_chain (its row lock is held until the inserting
// transaction ends, so a chain never forks and a rolled-back insert leaves no gap). The trigger runs as
// the schema owner (SECURITY DEFINER): the app's role may read audit_chain but never move its head.
//
// The content hashed is the row as JSON without `hash` and without null fields, written in UTC: a nullable
// column added to audit_event later leaves every older row's hash valid (a column added with a non-null
// default would not, and needs its own re-anchoring migration).
export class AuditChain1765090000000 implements MigrationInterface {
  name = 'AuditChain1765090000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_event ADD COLUMN chain_seq bigint, ADD COLUMN hash text;

      CREATE TABLE audit_chain (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        -- the last row's place and hash
        seq bigint NOT NULL,
        head text NOT NULL,
        -- where the rows kept in the table begin: the place and hash of the last row archived and removed
        anchor_seq bigint NOT NULL DEFAULT 0,
        anchor_hash text NOT NULL
      );

      -- The text a row's hash covers (also what an archive export carries, so it verifies on its own).
      CREATE FUNCTION audit_event_content(e audit_event) RETURNS text
        LANGUAGE sql STABLE SET "TimeZone" = 'UTC' AS $$
        SELECT jsonb_strip_nulls(to_jsonb(e) - 'hash')::text
      $$;
      CREATE FUNCTION audit_event_digest(prev text, e audit_event) RETURNS text
        LANGUAGE sql STABLE AS $$
        SELECT encode(sha256(convert_to(prev || audit_event_content(e), 'UTF8')), 'hex')
      $$;

      ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete;
      DO $$
      DECLARE
        r audit_event;
        prev text := repeat('0', 64);
        n bigint := 0;
      BEGIN
        FOR r IN SELECT * FROM audit_event ORDER BY id LOOP
          n := n + 1;
          r.chain_seq := n;
          r.hash := NULL;
          prev := audit_event_digest(prev, r);
          UPDATE audit_event SET chain_seq = n, hash = prev WHERE id = r.id;
        END LOOP;
        INSERT INTO audit_chain (seq, head, anchor_seq, anchor_hash) VALUES (n, prev, 0, repeat('0', 64));
      END $$;
      ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update_delete;

      ALTER TABLE audit_event ALTER COLUMN chain_seq SET NOT NULL, ALTER COLUMN hash SET NOT NULL;
      CREATE UNIQUE INDEX audit_event_chain_seq_idx ON audit_event (chain_seq);

      CREATE FUNCTION audit_event_link() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      DECLARE
        prev text;
      BEGIN
        SELECT seq + 1, head INTO NEW.chain_seq, prev FROM audit_chain FOR UPDATE;
        NEW.hash := NULL;
        NEW.hash := audit_event_digest(prev, NEW);
        UPDATE audit_chain SET seq = NEW.chain_seq, head = NEW.hash;
        RETURN NEW;
      END $$;
      -- BEFORE triggers fire in name order: this one last, so it hashes the row as it is stored.
      CREATE TRIGGER zz_audit_event_chain BEFORE INSERT ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_link();
      -- The chain's head changes only through the trigger.
      CREATE FUNCTION audit_chain_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_chain is moved only by the audit trigger: % is not allowed', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER audit_chain_no_delete BEFORE DELETE OR INSERT ON audit_chain
        FOR EACH ROW EXECUTE FUNCTION audit_chain_guard();
      CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
        FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_guard();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER zz_audit_event_chain ON audit_event;
      DROP FUNCTION audit_event_link();
      DROP TABLE audit_chain;
      DROP FUNCTION audit_chain_guard();
      DROP FUNCTION audit_event_digest(text, audit_event);
      DROP FUNCTION audit_event_content(audit_event);
      ALTER TABLE audit_event DROP COLUMN chain_seq, DROP COLUMN hash;
    `);
  }
}
