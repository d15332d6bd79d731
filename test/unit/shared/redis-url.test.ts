import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/shared/errors.js';
import { ioredisEndpointOptions, isPermanentRedisError, parseRedisUrl, redactRedisUrl } from '../../../src/shared/redis-url.js';

describe('parseRedisUrl', () => {
  it('reads an IPv6 literal without its brackets, as net.connect needs it (the ingest connection got "[::1]")', () => {
    const endpoint = parseRedisUrl('redis://[::1]:6390');
    expect(endpoint).toMatchObject({ host: '::1', port: 6390, family: 6, db: 0, tls: false, display: 'redis://[::1]:6390' });
    expect(endpoint.username).toBeUndefined();
    expect(endpoint.password).toBeUndefined();
    expect(parseRedisUrl('redis://[2001:db8::7]').host).toBe('2001:db8::7');
  });

  it('defaults the port to 6379 and the database to 0; names resolve either family', () => {
    expect(parseRedisUrl('redis://localhost')).toMatchObject({ host: 'localhost', port: 6379, family: 0, db: 0, display: 'redis://localhost:6379' });
    expect(parseRedisUrl('redis://10.0.0.5:6379/')).toMatchObject({ host: '10.0.0.5', family: 4, db: 0 });
  });

  it('reads the database number from the path', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6379/2')).toMatchObject({ db: 2, display: 'redis://127.0.0.1:6379/2' });
    expect(parseRedisUrl('redis://127.0.0.1/15').db).toBe(15);
  });

  it('percent-decodes user name and password with special characters, and never shows the password', () => {
    const endpoint = parseRedisUrl('redis://app%40ops:p%40ss%3Aw%2Fd%23%25@cache.internal:6380/1');
    expect(endpoint.username).toBe('app@ops');
    expect(endpoint.password).toBe('p@ss:w/d#%');
    expect(endpoint.display).toBe('redis://app%40ops:***@cache.internal:6380/1');
    expect(endpoint.display).not.toContain('p%40ss');
  });

  it('takes a password without a user name (redis://:secret@host), as AUTH <password>', () => {
    const endpoint = parseRedisUrl('redis://:s3cret@127.0.0.1:6379');
    expect(endpoint.username).toBeUndefined();
    expect(endpoint.password).toBe('s3cret');
    expect(endpoint.display).toBe('redis://:***@127.0.0.1:6379');
  });

  it('rediss:// is TLS; SNI carries a name, never an address (RFC 6066)', () => {
    expect(parseRedisUrl('rediss://cache.example.com:6380')).toMatchObject({ tls: true, servername: 'cache.example.com', display: 'rediss://cache.example.com:6380' });
    expect(parseRedisUrl('rediss://[::1]:6380').servername).toBeUndefined();
    expect(parseRedisUrl('rediss://10.1.2.3').servername).toBeUndefined();
  });

  it('gives ioredis the same host, port, family, db, credentials and TLS', () => {
    expect(ioredisEndpointOptions(parseRedisUrl('rediss://u:p%40@[::1]:7000/3'))).toEqual({ host: '::1', port: 7000, family: 6, db: 3, username: 'u', password: 'p@', tls: {} });
    expect(ioredisEndpointOptions(parseRedisUrl('redis://h'))).toEqual({ host: 'h', port: 6379, family: 0, db: 0 });
  });

  it.each([
    ['not a url', /not a URL/],
    ['127.0.0.1:6379', /scheme|not a URL/],
    ['http://127.0.0.1:6379', /scheme is http/],
    ['redis://', /no host/],
    ['redis://127.0.0.1:99999', /not a URL|outside/],
    ['redis://127.0.0.1:6379/db2', /not a database number/],
    ['redis://127.0.0.1:6379/2/x', /not a database number/],
    ['redis://127.0.0.1:6379?db=2', /query/],
    ['redis://127.0.0.1:6379#x', /fragment/],
    ['redis://:%E0%A4%A@127.0.0.1', /%-escape/],
  ])('refuses %s with a usage error saying why', (text, why) => {
    let error: unknown;
    try {
      parseRedisUrl(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).toMatch(/^invalid Redis URL /);
  });

  it('never prints the password of a URL it refuses', () => {
    for (const text of ['redis://user:hunter2@host:6379/db2', 'redis://:hunter2@host:6379?x=1', 'http://u:hunter2@h', 'redis://:hun@ter2@host:99999']) {
      let message = '';
      try {
        parseRedisUrl(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain('ter2');
    }
  });
});

describe('redactRedisUrl', () => {
  it('shows the parsed form, or hides the userinfo password by shape when it does not parse', () => {
    expect(redactRedisUrl('redis://u:secret@[::1]:6379/2')).toBe('redis://u:***@[::1]:6379/2');
    expect(redactRedisUrl('redis://u:sec@ret@host:99999/x')).toBe('redis://u:***@host:99999/x');
    expect(redactRedisUrl('redis://host:6379')).toBe('redis://host:6379');
    // An unescaped / in a password ends the authority for a parser; the password still never shows.
    expect(redactRedisUrl('redis://u:pa/ss@host:6379')).toBe('redis://u:***@host:6379');
  });
});

describe('isPermanentRedisError', () => {
  it('knows what waiting cannot fix: credentials, ACL, database number', () => {
    expect(isPermanentRedisError('WRONGPASS invalid username-password pair or user is disabled.')).toBe(true);
    expect(isPermanentRedisError('NOAUTH Authentication required.')).toBe(true);
    expect(isPermanentRedisError('ERR DB index is out of range')).toBe(true);
    expect(isPermanentRedisError('connect ECONNREFUSED ::1:6379')).toBe(false);
    expect(isPermanentRedisError('LOADING Redis is loading the dataset in memory')).toBe(false);
    // ioredis goes on without the password here; so does the ingest connection.
    expect(isPermanentRedisError('ERR AUTH <password> called without any password configured for the default user')).toBe(false);
  });
});
