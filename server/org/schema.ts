// The organisation tables: units (district → street → community), property companies, each
// estate's community and kind, and the management history (which company ran an estate when —
// scores follow the company that managed it at the time). Created with the store (db.ts).
import type { Db } from '../store/db.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS org_units (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,              -- district | street | community
  name TEXT NOT NULL,
  name_zh TEXT NOT NULL,
  parent TEXT REFERENCES org_units(id),
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS org_units_parent ON org_units (parent);
CREATE TABLE IF NOT EXISTS org_companies (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_zh TEXT NOT NULL,
  fallback INTEGER NOT NULL DEFAULT 0, -- 1 = the state-owned fallback company (兜底管理)
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS org_companies_one_fallback ON org_companies (fallback) WHERE fallback = 1;
CREATE TABLE IF NOT EXISTS org_estates (
  estate TEXT PRIMARY KEY REFERENCES estates(id),
  community TEXT NOT NULL REFERENCES org_units(id),
  kind TEXT NOT NULL DEFAULT 'estate' -- estate | ownerless (无主楼院)
);
CREATE INDEX IF NOT EXISTS org_estates_community ON org_estates (community);
-- one row per management period; until NULL = the current one (at most one per estate)
CREATE TABLE IF NOT EXISTS org_management (
  estate TEXT NOT NULL REFERENCES estates(id),
  company TEXT NOT NULL REFERENCES org_companies(id),
  since INTEGER NOT NULL,
  until INTEGER,
  PRIMARY KEY (estate, since)
);
CREATE UNIQUE INDEX IF NOT EXISTS org_management_current ON org_management (estate) WHERE until IS NULL;
CREATE INDEX IF NOT EXISTS org_management_company ON org_management (company, until);
-- the district's settings (the scorecard's weights): configuration, shared like the units
CREATE TABLE IF NOT EXISTS org_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

export function ensureOrgSchema(db: Db): void {
  db.exec(SCHEMA);
}
