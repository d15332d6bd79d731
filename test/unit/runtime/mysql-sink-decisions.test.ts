import { describe, expect, it } from 'vitest';
import { planAdoption, type ExistingTable } from '../../../src/runtime/sinks/adoption-plan.js';
import { typeProblem } from '../../../src/runtime/sinks/column-types.js';
import { classifyMysqlError } from '../../../src/runtime/sinks/mysql-errors.js';
import { offlineWarning, onlineVariant } from '../../../src/runtime/sinks/mysql-ddl.js';
import { noMigrateRefusal } from '../../../src/runtime/sinks/no-migrate.js';
import { createTableStatement, settingsTableStatement } from '../../../src/runtime/sinks/schema.js';
import { describeDatabase } from '../../../src/runtime/sinks/open-sink.js';
import { describeMysql, isMysqlUrl, mysqlPoolOptions } from '../../../src/shared/mysql-session.js';
import { isoToMysqlDatetime, mysqlDatetimeToIso, mysqlStoredTime } from '../../../src/shared/mysql-time.js';
import { storedTime } from '../../../src/shared/stored-time.js';

describe('MySQL error classification', () => {
  it('calls data errors the record\'s fault and connection trouble the database being away', () => {
    expect(classifyMysqlError({ errno: 1406, sqlState: '22001', code: 'ER_DATA_TOO_LONG' })).toBe('record');
    expect(classifyMysqlError({ errno: 1292, sqlState: '22007', code: 'ER_TRUNCATED_WRONG_VALUE' })).toBe('record');
    expect(classifyMysqlError({ errno: 1366, sqlState: 'HY000', code: 'ER_TRUNCATED_WRONG_VALUE_FOR_FIELD' })).toBe('record');
    expect(classifyMysqlError({ errno: 1048, sqlState: '23000' })).toBe('record');
    expect(classifyMysqlError({ errno: 1153, sqlState: '08S01', fatal: true })).toBe('record');
    expect(classifyMysqlError({ errno: 9999, sqlState: '22003' })).toBe('record');
    expect(classifyMysqlError({ code: 'ECONNREFUSED', fatal: true })).toBe('away');
    expect(classifyMysqlError({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true })).toBe('away');
    expect(classifyMysqlError({ errno: 1213, sqlState: '40001', code: 'ER_LOCK_DEADLOCK' })).toBe('away');
    expect(classifyMysqlError({ errno: 1205, sqlState: 'HY000', code: 'ER_LOCK_WAIT_TIMEOUT' })).toBe('away');
    expect(classifyMysqlError({ errno: 1146, sqlState: '42S02' })).toBe('away');
    expect(classifyMysqlError(new Error('anything'))).toBe('away');
    expect(classifyMysqlError(undefined)).toBe('away');
  });
});

describe('MySQL DDL', () => {
  it('asks for online DDL on ALTER TABLE and CREATE INDEX only', () => {
    expect(onlineVariant('ALTER TABLE user_health_data ADD COLUMN "ingest_id" VARCHAR(255)')).toBe('ALTER TABLE user_health_data ADD COLUMN "ingest_id" VARCHAR(255), ALGORITHM=INPLACE, LOCK=NONE');
    expect(onlineVariant('CREATE UNIQUE INDEX x ON t (ingest_id)')).toBe('CREATE UNIQUE INDEX x ON t (ingest_id) ALGORITHM=INPLACE LOCK=NONE');
    expect(onlineVariant('CREATE INDEX x ON t (create_time)')).toBe('CREATE INDEX x ON t (create_time) ALGORITHM=INPLACE LOCK=NONE');
    expect(onlineVariant('CREATE TABLE t (id INT)')).toBeUndefined();
    expect(onlineVariant("INSERT INTO streamctl_settings (name, value) VALUES ('a', 'b')")).toBeUndefined();
    expect(offlineWarning('ALTER TABLE t ADD COLUMN c INT', 'no')).toMatch(/could not run online \(no\)/);
  });

  it('creates tables with utf8mb4_bin text, DATETIME(3) times and an auto-increment id', () => {
    const ddl = createTableStatement('health', 'mysql');
    expect(ddl).toMatch(/^CREATE TABLE user_health_data \(id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "ingest_id" VARCHAR\(255\) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL UNIQUE, "device_sn" VARCHAR\(255\) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, "timestamp" DATETIME\(3\) NULL, "create_time" DATETIME\(3\) NOT NULL/);
    expect(ddl).toMatch(/"heart_rate" DOUBLE NULL/);
    expect(ddl).toMatch(/"sleep" MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL\) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin$/);
    expect(settingsTableStatement('mysql')).toMatch(/name VARCHAR\(64\)/);
    expect(settingsTableStatement()).toBe('CREATE TABLE streamctl_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
  });

  it('accepts DATETIME and text times, floating and decimal readings with a fraction; refuses TIMESTAMP, integers and DECIMAL(p,0)', () => {
    expect(typeProblem('mysql', 'datetime', 'time')).toBeUndefined();
    expect(typeProblem('mysql', 'varchar(32)', 'time')).toBeUndefined();
    expect(typeProblem('mysql', 'timestamp', 'time')).toMatch(/is of type timestamp/);
    expect(typeProblem('mysql', 'double', 'number')).toBeUndefined();
    expect(typeProblem('mysql', 'decimal(5,2)', 'number')).toBeUndefined();
    expect(typeProblem('mysql', 'decimal(10,0)', 'number')).toMatch(/rounds readings to whole numbers/);
    expect(typeProblem('mysql', 'int(11)', 'number')).toMatch(/is of type int\(11\)/);
    expect(typeProblem('mysql', 'mediumtext', 'text')).toBeUndefined();
    expect(typeProblem('mysql', 'blob', 'text')).toMatch(/blob/);
  });
});

const ORIGINAL: ExistingTable = {
  kind: 'table',
  columns: [
    { name: 'id', type: 'bigint(20)', notNull: true, hasDefault: false, autoKey: true },
    { name: 'device_sn', type: 'varchar(64)', notNull: true, hasDefault: false, autoKey: false },
    { name: 'heart_rate', type: 'double', notNull: false, hasDefault: true, autoKey: false },
    { name: 'timestamp', type: 'datetime', notNull: false, hasDefault: true, autoKey: false },
    { name: 'Upload_Method', type: 'varchar(32)', notNull: false, hasDefault: true, autoKey: false },
    { name: 'create_time', type: 'datetime', notNull: true, hasDefault: false, autoKey: false },
  ],
  indexes: [
    { name: 'PRIMARY', unique: true, columns: ['id'], partial: false },
    { name: 'idx_uhd_create_time', unique: false, columns: ['create_time'], partial: false },
  ],
};

describe('adoption plan, MySQL dialect', () => {
  it('adds only what is missing to the original\'s table, names matched without case', () => {
    const result = planAdoption({ dialect: 'mysql', tables: { user_health_data: ORIGINAL }, settings: undefined, processZone: 'Asia/Shanghai' });
    if (!result.ok) throw new Error(result.refusal.reason);
    expect(result.plan.time).toEqual({ format: 'local-datetime', zone: 'Asia/Shanghai' });
    expect(result.plan.statements.filter((s) => s.startsWith('ALTER TABLE user_health_data'))).toContain('ALTER TABLE user_health_data ADD COLUMN "ingest_id" VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL');
    expect(result.plan.statements).toContain('CREATE UNIQUE INDEX user_health_data_ingest_id ON user_health_data (ingest_id)');
    expect(result.plan.statements.some((s) => s.startsWith('ALTER TABLE user_health_data') && s.includes('"upload_method"'))).toBe(false);
    expect(result.plan.statements.some((s) => /CREATE INDEX user_health_data_create_time/.test(s))).toBe(false);

    const refusal = noMigrateRefusal('mysql:db:3306/x', result.plan);
    expect(refusal?.message).toMatch(/^--no-migrate: mysql:db:3306\/x is missing what streamctl needs: added column user_health_data\.ingest_id .*; added unique index user_health_data_ingest_id/);
    expect(noMigrateRefusal('x', { ...result.plan, statements: [], changes: [] })).toBeUndefined();
  });

  it('refuses a prefix index on the ingest id as its uniqueness', () => {
    const withPrefix: ExistingTable = {
      ...ORIGINAL,
      columns: [...ORIGINAL.columns, { name: 'ingest_id', type: 'varchar(255)', notNull: false, hasDefault: true, autoKey: false }],
      indexes: [...ORIGINAL.indexes, { name: 'user_health_data_ingest_id', unique: true, columns: ['ingest_id'], partial: true }],
    };
    const result = planAdoption({ dialect: 'mysql', tables: { user_health_data: withPrefix }, settings: undefined, processZone: 'UTC' });
    expect(result.ok).toBe(false);
  });
});

describe('MySQL URLs and times', () => {
  it('dispatches mysql:// and mariadb:// to the MySQL sink and reads the URL', () => {
    expect(isMysqlUrl('mysql://u:p@h/db')).toBe(true);
    expect(isMysqlUrl('MariaDB://u:p@h/db')).toBe(true);
    expect(isMysqlUrl('postgres://h/db')).toBe(false);
    expect(describeDatabase('mariadb://u:p@h:3307/db', '/tmp')).toEqual({ kind: 'mysql', location: 'mariadb://u:p@h:3307/db' });
    expect(describeMysql('mysql://u:secret@h:3307/db')).toBe('mysql:h:3307/db');
    expect(mysqlPoolOptions('mariadb://us%40r:p%3Ass@db.example:3307/tele', 2)).toMatchObject({
      host: 'db.example', port: 3307, user: 'us@r', password: 'p:ss', database: 'tele', connectionLimit: 2, dateStrings: true, flags: ['-FOUND_ROWS'],
    });
    expect(mysqlPoolOptions('mysql://u@h/db', 1).port).toBe(3306);
  });

  it('writes and reads UTC DATETIME text', () => {
    expect(isoToMysqlDatetime('2026-11-29T20:00:00.123Z')).toBe('2026-11-29 20:00:00.123');
    expect(isoToMysqlDatetime('not a time')).toBe('not a time');
    expect(mysqlDatetimeToIso('2026-11-29 20:00:00.123')).toBe('2026-11-29T20:00:00.123Z');
    expect(mysqlDatetimeToIso('2026-11-29 20:00:00')).toBe('2026-11-29T20:00:00.000Z');
    const time = mysqlStoredTime(storedTime('iso-utc'));
    expect(time.bound('2026-11-29T20:00:00.000Z')).toBe('2026-11-29 20:00:00.000');
    expect(time.minuteLabel('2026-11-29 20:05')).toBe('2026-11-29T20:05');
    expect(time.deviceTime(null, '2026-11-29T20:00:00.000Z')).toBeNull();
    const local = storedTime('local-datetime', 'Asia/Shanghai');
    expect(mysqlStoredTime(local)).toBe(local);
  });
});

describe('MySQL session check', () => {
  it('names a mode or zone the session did not take', async () => {
    const { mysqlSessionProblem } = await import('../../../src/shared/mysql-session.js');
    expect(mysqlSessionProblem({ sql_mode: 'STRICT_TRANS_TABLES,ANSI_QUOTES,ONLY_FULL_GROUP_BY', time_zone: '+00:00' })).toBeUndefined();
    expect(mysqlSessionProblem({ sql_mode: 'STRICT_TRANS_TABLES', time_zone: '+00:00' })).toMatch(/lacks ANSI_QUOTES/);
    expect(mysqlSessionProblem({ sql_mode: 'STRICT_TRANS_TABLES,ANSI_QUOTES', time_zone: 'SYSTEM' })).toMatch(/time_zone is "SYSTEM"/);
    expect(mysqlSessionProblem(undefined)).toMatch(/lacks ANSI_QUOTES and STRICT_TRANS_TABLES/);
  });
});
