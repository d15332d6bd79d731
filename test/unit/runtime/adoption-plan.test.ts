import { describe, expect, it } from 'vitest';
import { planAdoption, type AdoptionPlan, type AdoptionRefusal, type ExistingColumn, type ExistingIndex, type ExistingTable, type SchemaSnapshot } from '../../../src/runtime/sinks/adoption-plan.js';
import { sqliteAffinity, typeProblem } from '../../../src/runtime/sinks/column-types.js';
import { COLUMNS, TABLES, valueClassOf, type TableKey } from '../../../src/runtime/sinks/schema.js';
import { ORIGINAL_TABLE } from '../../helpers/original-database.js';

function column(name: string, type: string, extra: Partial<ExistingColumn> = {}): ExistingColumn {
  return { name, type, notNull: false, hasDefault: false, autoKey: false, ...extra };
}

function index(name: string, columns: string[], extra: Partial<ExistingIndex> = {}): ExistingIndex {
  return { name, columns, unique: false, partial: false, ...extra };
}

/** A table as `streamctl serve` creates it in SQLite: inline UNIQUE ingest_id (an autoindex) and the create_time index. */
function ourTable(key: TableKey): ExistingTable {
  const table = TABLES[key];
  return {
    kind: 'table',
    columns: [
      column('id', 'INTEGER', { autoKey: true }),
      ...COLUMNS[key].map((c) => column(c, valueClassOf(c) === 'number' ? 'REAL' : 'TEXT', { notNull: ['ingest_id', 'device_sn', 'upload_method', 'create_time'].includes(c) })),
    ],
    indexes: [index(`sqlite_autoindex_${table}_1`, ['ingest_id'], { unique: true }), index(`${table}_create_time`, ['create_time'])],
  };
}

function snapshot(tables: Record<string, ExistingTable | undefined>, settings?: Record<string, string>, dialect: 'sqlite' | 'postgres' = 'sqlite'): SchemaSnapshot {
  return { dialect, tables, settings: settings ? new Map(Object.entries(settings)) : undefined, processZone: 'Asia/Shanghai' };
}

function plan(s: SchemaSnapshot): AdoptionPlan {
  const result = planAdoption(s);
  if (!result.ok) throw new Error(`refused: ${result.refusal.reason}`);
  return result.plan;
}

function refusal(s: SchemaSnapshot): AdoptionRefusal {
  const result = planAdoption(s);
  if (result.ok) throw new Error(`planned: ${result.plan.statements.join('; ')}`);
  return result.refusal;
}

const withHealth = (health: ExistingTable) => snapshot({ user_health_data: health });

describe('planAdoption: what is there decides', () => {
  it('creates every table, its indexes and the settings table in an empty database; times stay ISO 8601 UTC', () => {
    const p = plan(snapshot({}));
    expect(p.time).toEqual({ format: 'iso-utc' });
    expect(p.statements).toEqual([
      expect.stringMatching(/^CREATE TABLE user_health_data \(id INTEGER PRIMARY KEY, "ingest_id" TEXT NOT NULL UNIQUE, /),
      'CREATE INDEX user_health_data_create_time ON user_health_data (create_time)',
      expect.stringMatching(/^CREATE TABLE user_device_info /),
      'CREATE INDEX user_device_info_create_time ON user_device_info (create_time)',
      expect.stringMatching(/^CREATE TABLE user_common_event /),
      'CREATE INDEX user_common_event_create_time ON user_common_event (create_time)',
      'CREATE TABLE streamctl_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)',
      "INSERT INTO streamctl_settings (name, value) VALUES ('time_format', 'iso-utc')",
    ]);
    expect(p.changes).toEqual([
      'created table user_health_data with indexes on ingest_id (unique) and create_time',
      'created table user_device_info with indexes on ingest_id (unique) and create_time',
      'created table user_common_event with indexes on ingest_id (unique) and create_time',
      'created table streamctl_settings',
      'recorded time_format=iso-utc: create_time and timestamp are written as ISO 8601 UTC',
    ]);
  });

  it('adopts the original\'s user_health_data: adds ingest_id and its unique index, reuses idx_uhd_create_time, writes the original\'s local times', () => {
    const p = plan(withHealth(ORIGINAL_TABLE));
    expect(p.time).toEqual({ format: 'local-datetime', zone: 'Asia/Shanghai' });
    expect(p.statements.slice(0, 2)).toEqual([
      'ALTER TABLE user_health_data ADD COLUMN "ingest_id" TEXT',
      'CREATE UNIQUE INDEX user_health_data_ingest_id ON user_health_data (ingest_id)',
    ]);
    expect(p.statements.filter((s) => s.includes('user_health_data'))).toHaveLength(2);
    expect(p.statements.slice(-3)).toEqual([
      'CREATE TABLE streamctl_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)',
      "INSERT INTO streamctl_settings (name, value) VALUES ('time_format', 'local-datetime')",
      "INSERT INTO streamctl_settings (name, value) VALUES ('time_zone', 'Asia/Shanghai')",
    ]);
    expect(p.changes).toEqual([
      'added column user_health_data.ingest_id TEXT (NULL in the user_health_data rows already there)',
      'added unique index user_health_data_ingest_id on user_health_data (ingest_id)',
      'created table user_device_info with indexes on ingest_id (unique) and create_time',
      'created table user_common_event with indexes on ingest_id (unique) and create_time',
      'created table streamctl_settings',
      "recorded time_format=local-datetime time_zone=Asia/Shanghai: create_time and timestamp are written as the original's 'YYYY-MM-DD HH:MM:SS' Asia/Shanghai time",
    ]);
    expect(p.warnings).toEqual([]);
    // Nothing that could touch a row: no UPDATE, DELETE, DROP or copy.
    expect(p.statements.join('\n')).not.toMatch(/\b(UPDATE|DELETE|DROP|RENAME)\b|INSERT INTO user_/);
  });

  it('adds reading columns an older original table lacks, nullable and typed for the engine', () => {
    const older = { ...ORIGINAL_TABLE, columns: ORIGINAL_TABLE.columns.filter((c) => c.name !== 'altitude' && c.name !== 'sleep') };
    expect(plan(withHealth(older)).statements.slice(0, 3)).toEqual([
      'ALTER TABLE user_health_data ADD COLUMN "ingest_id" TEXT',
      'ALTER TABLE user_health_data ADD COLUMN "altitude" REAL',
      'ALTER TABLE user_health_data ADD COLUMN "sleep" TEXT',
    ]);
    const pg = plan(snapshot({ user_health_data: { ...older, columns: older.columns.map((c) => ({ ...c, type: c.type === 'NUMERIC' ? 'numeric' : c.type === 'TEXT' ? 'text' : 'bigint' })) } }, undefined, 'postgres'));
    expect(pg.statements).toContain('ALTER TABLE user_health_data ADD COLUMN "altitude" DOUBLE PRECISION');
  });

  it('changes nothing on a database it already prepared', () => {
    const tables = { user_health_data: ourTable('health'), user_device_info: ourTable('deviceInfo'), user_common_event: ourTable('events') };
    const p = plan(snapshot(tables, { time_format: 'iso-utc' }));
    expect(p).toEqual({ statements: [], changes: [], warnings: [], time: { format: 'iso-utc' } });
    // ...nor on an adopted one: the recorded format and zone hold, whatever this process's zone is.
    const adopted = { ...ORIGINAL_TABLE, columns: [...ORIGINAL_TABLE.columns, column('ingest_id', 'TEXT')], indexes: [...ORIGINAL_TABLE.indexes, index('user_health_data_ingest_id', ['ingest_id'], { unique: true })] };
    const again = plan({ ...snapshot({ ...tables, user_health_data: adopted }, { time_format: 'local-datetime', time_zone: 'Europe/Berlin' }), processZone: 'UTC' });
    expect(again).toEqual({ statements: [], changes: [], warnings: [], time: { format: 'local-datetime', zone: 'Europe/Berlin' } });
  });

  it('records iso-utc for a streamctl database from before the settings table', () => {
    const tables = { user_health_data: ourTable('health'), user_device_info: ourTable('deviceInfo'), user_common_event: ourTable('events') };
    expect(plan(snapshot(tables)).statements).toEqual([
      'CREATE TABLE streamctl_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)',
      "INSERT INTO streamctl_settings (name, value) VALUES ('time_format', 'iso-utc')",
    ]);
  });

  it('in ISO databases a device time may be NULL; in adopted ones it never is, so a NOT NULL timestamp is fine there', () => {
    const strict = { ...ORIGINAL_TABLE, columns: ORIGINAL_TABLE.columns.map((c) => (c.name === 'timestamp' ? { ...c, notNull: true } : c)) };
    expect(plan(withHealth(strict)).time.format).toBe('local-datetime');
    const ours = ourTable('health');
    const strictOurs = { ...ours, columns: ours.columns.map((c) => (c.name === 'timestamp' ? { ...c, notNull: true } : c)) };
    expect(refusal(snapshot({ user_health_data: strictOurs }, { time_format: 'iso-utc' })).reason).toBe(
      'column user_health_data.timestamp is NOT NULL, but streamctl writes NULL there when a device does not send it',
    );
  });

  it('matches SQLite names without regard to case', () => {
    const shouting = { ...ORIGINAL_TABLE, columns: ORIGINAL_TABLE.columns.map((c) => ({ ...c, name: c.name.toUpperCase() })), indexes: [index('IDX', ['CREATE_TIME'])] };
    expect(plan(withHealth(shouting)).statements.slice(0, 2)).toEqual([
      'ALTER TABLE user_health_data ADD COLUMN "ingest_id" TEXT',
      'CREATE UNIQUE INDEX user_health_data_ingest_id ON user_health_data (ingest_id)',
    ]);
  });

  it('keeps a unique index over columns streamctl never writes (NULLs never collide), and the rowid key', () => {
    const keyed = { ...ORIGINAL_TABLE, indexes: [...ORIGINAL_TABLE.indexes, index('uq_user_org', ['user_id', 'org_id'], { unique: true })] };
    expect(plan(withHealth(keyed)).statements[0]).toBe('ALTER TABLE user_health_data ADD COLUMN "ingest_id" TEXT');
  });

  it('warns, and keeps it, when an index of our create_time name is on something else (a matter of speed only)', () => {
    const noTimeIndex = { ...ORIGINAL_TABLE, indexes: [index('user_health_data_create_time', ['device_sn'])] };
    const p = plan(withHealth(noTimeIndex));
    expect(p.statements).not.toContain('CREATE INDEX user_health_data_create_time ON user_health_data (create_time)');
    expect(p.warnings).toEqual(["index user_health_data_create_time on user_health_data (device_sn) is not on create_time: kept as it is; the consistency check's window queries will scan user_health_data"]);
    // Without any create_time index, serve adds its own.
    expect(plan(withHealth({ ...ORIGINAL_TABLE, indexes: [] })).statements).toContain('CREATE INDEX user_health_data_create_time ON user_health_data (create_time)');
  });
});

describe('planAdoption: refuses what cannot work, and says why', () => {
  const refuseHealth = (table: ExistingTable) => refusal(withHealth(table));
  const replace = (name: string, replacement: Partial<ExistingColumn>) => ({ ...ORIGINAL_TABLE, columns: ORIGINAL_TABLE.columns.map((c) => (c.name === name ? { ...c, ...replacement } : c)) });

  it('a view, or a table without a column the original\'s consistency check reads', () => {
    expect(refuseHealth({ ...ORIGINAL_TABLE, kind: 'view' }).reason).toBe('user_health_data is a view, not a table');
    const r = refuseHealth({ ...ORIGINAL_TABLE, columns: ORIGINAL_TABLE.columns.filter((c) => c.name !== 'upload_method') });
    expect(r.reason).toMatch(/^user_health_data has no column upload_method, so it is not the original service's table/);
    expect(r.hint).toMatch(/^nothing was changed/);
  });

  it('a column whose type would change what is written', () => {
    expect(refuseHealth(replace('heart_rate', { type: 'TEXT' })).reason).toBe(
      'column user_health_data.heart_rate is declared TEXT (TEXT affinity) but streamctl writes numbers there: SQLite would store them as text',
    );
    expect(refuseHealth(replace('device_sn', { type: 'BIGINT' })).reason).toBe(
      'column user_health_data.device_sn is declared BIGINT (INTEGER affinity) but streamctl writes text there: SQLite would turn number-like text into numbers',
    );
    expect(refuseHealth(replace('create_time', { type: 'INTEGER' })).reason).toMatch(/create_time is declared INTEGER .* streamctl writes time as text/);
    // A DATETIME (NUMERIC affinity) time column keeps time text as text: fine.
    expect(plan(withHealth(replace('create_time', { type: 'DATETIME' }))).time.format).toBe('local-datetime');
  });

  it('a NOT NULL column streamctl would leave NULL, or a NOT NULL one it does not write and that has no default', () => {
    expect(refuseHealth(replace('heart_rate', { notNull: true })).reason).toBe(
      'column user_health_data.heart_rate is NOT NULL, but streamctl writes NULL there when a device does not send it',
    );
    expect(refuseHealth(replace('user_id', { notNull: true })).reason).toBe(
      'column user_health_data.user_id is NOT NULL without a default and streamctl does not write it: every insert would fail',
    );
    expect(plan(withHealth(replace('user_id', { notNull: true, hasDefault: true }))).time.format).toBe('local-datetime');
  });

  it('a unique index over columns streamctl writes: INSERT OR IGNORE would drop a row silently', () => {
    const r = refuseHealth({ ...ORIGINAL_TABLE, indexes: [index('uq_sn_ts', ['device_sn', 'timestamp'], { unique: true })] });
    expect(r.reason).toBe(
      'unique index uq_sn_ts on user_health_data (device_sn, timestamp) would refuse a second row with the same values; SQLite\'s INSERT OR IGNORE would drop it silently, as if it were a redelivery',
    );
  });

  it('an index named like our unique ingest-id index that is not one (here: not unique)', () => {
    const withIngest = { ...ORIGINAL_TABLE, columns: [...ORIGINAL_TABLE.columns, column('ingest_id', 'TEXT')] };
    const r = refusal(snapshot({ user_health_data: { ...withIngest, indexes: [index('user_health_data_ingest_id', ['ingest_id'])] } }, { time_format: 'local-datetime', time_zone: 'Asia/Shanghai' }));
    expect(r.reason).toBe(
      'index user_health_data_ingest_id on user_health_data (ingest_id) is not a unique index on (ingest_id), and streamctl needs that name for one: without it a redelivered record would be stored twice',
    );
    expect(r.hint).toBe('drop or rename user_health_data_ingest_id; nothing was changed');
    // A partial unique index cannot serve either.
    expect(refusal(snapshot({ user_health_data: { ...withIngest, indexes: [index('user_health_data_ingest_id', ['ingest_id'], { unique: true, partial: true })] } }, { time_format: 'iso-utc' })).reason).toMatch(/partial|would refuse/);
  });

  it('settings it does not understand', () => {
    expect(refusal(snapshot({}, { time_format: 'epoch-ms' }))).toEqual({
      table: 'streamctl_settings',
      reason: 'streamctl_settings.time_format is "epoch-ms"; this streamctl knows iso-utc and local-datetime',
      hint: 'correct the row in streamctl_settings, or run the streamctl that wrote it',
    });
    expect(refusal({ ...withHealth(ORIGINAL_TABLE), processZone: 'Nowhere/Land' }).reason).toBe('this process\'s time zone "Nowhere/Land" is not one this runtime knows');
  });

  it('PostgreSQL: a timestamp-typed time column, an integer reading column', () => {
    const pgOriginal: ExistingTable = {
      ...ORIGINAL_TABLE,
      columns: ORIGINAL_TABLE.columns.map((c) => ({ ...c, type: c.type === 'NUMERIC' ? 'numeric' : c.type === 'TEXT' ? 'text' : 'bigint', autoKey: c.name === 'id', hasDefault: c.name === 'id' })),
    };
    expect(plan(snapshot({ user_health_data: pgOriginal }, undefined, 'postgres')).time.format).toBe('local-datetime');
    const typed = (name: string, type: string) => ({ ...pgOriginal, columns: pgOriginal.columns.map((c) => (c.name === name ? { ...c, type } : c)) });
    expect(refusal(snapshot({ user_health_data: typed('create_time', 'timestamp without time zone') }, undefined, 'postgres')).reason).toBe(
      'column user_health_data.create_time is of type timestamp without time zone but streamctl writes time as text there (text, character varying, character would do)',
    );
    expect(refusal(snapshot({ user_health_data: typed('heart_rate', 'integer') }, undefined, 'postgres')).reason).toMatch(/heart_rate is of type integer but streamctl writes numbers/);
  });
});

describe('column types', () => {
  it('SQLite affinity follows datatype3.html §3.1, in its order', () => {
    expect(['INT', 'BIGINT', 'POINT', 'VARCHAR(20)', 'CLOB', 'TEXT', 'BLOB', '', 'REAL', 'FLOAT', 'DOUBLE PRECISION', 'NUMERIC', 'DECIMAL(10,5)', 'DATETIME', 'BOOLEAN', 'CHARINT'].map(sqliteAffinity)).toEqual([
      'INTEGER', 'INTEGER', 'INTEGER', 'TEXT', 'TEXT', 'TEXT', 'BLOB', 'BLOB', 'REAL', 'REAL', 'REAL', 'NUMERIC', 'NUMERIC', 'NUMERIC', 'NUMERIC', 'INTEGER',
    ]);
  });

  it('an untyped SQLite column takes anything as it is', () => {
    for (const value of ['text', 'time', 'number'] as const) expect(typeProblem('sqlite', '', value)).toBeUndefined();
  });
});
