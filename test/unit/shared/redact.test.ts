import { describe, expect, it } from 'vitest';
import { redactPlan, webhooksForResume } from '../../../src/control/plan-redaction.js';
import { flagsPlan } from '../control/harness.js';
import { REDACTED, redactHeaders, redactUrl, scrubSecrets, secretsOf } from '../../../src/shared/redact.js';

describe('redactUrl (one function for every URL streamctl writes)', () => {
  it('drops userinfo, as it always did for database URLs', () => {
    expect(redactUrl('postgres://user:secret@db.example:5432/streams')).toBe('postgres://db.example:5432/streams');
    expect(redactUrl('redis://:secret@127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('hides every query value and the fragment, keeping host, path and the names', () => {
    expect(redactUrl('https://hooks.example/x?token=abc123&team=sre&token=def')).toBe('https://hooks.example/x?token=***&team=***&token=***');
    expect(redactUrl('https://hooks.example/x#access_token=abc')).toBe('https://hooks.example/x#***');
    expect(redactUrl('http://127.0.0.1:5225')).toBe('http://127.0.0.1:5225');
  });

  it('never echoes the secret of text that is not a URL', () => {
    expect(redactUrl('hooks.example/x?token=abc')).toBe('hooks.example/x?***');
    expect(redactUrl('user:pw@hooks example')).toBe('hooks example');
    expect(redactUrl('not a url')).toBe('not a url');
  });

  it('is idempotent, so a redacted plan redacts to itself', () => {
    const once = redactUrl('https://u:p@h.example/x?token=abc#f');
    expect(redactUrl(once)).toBe(once);
  });
});

describe('headers and free text', () => {
  it('hides every header value, keeping the names', () => {
    expect(redactHeaders({ Authorization: 'Bearer abc', 'X-Team': 'sre' })).toEqual({ Authorization: REDACTED, 'X-Team': REDACTED });
  });

  it('scrubs a message a library built from the URL and headers', () => {
    const secrets = secretsOf('https://h.example/x?token=tok-123', { Authorization: 'Bearer hdr-456' });
    const text = scrubSecrets('POST https://h.example/x?token=tok-123 failed; sent Bearer hdr-456; token tok-123', secrets);
    expect(text).toBe('POST https://h.example/x?token=*** failed; sent ***; token ***');
  });
});

describe('plans', () => {
  const hook = { url: 'https://h.example/x?token=tok-123', events: ['done' as const], timeoutMs: 2_000, retries: 1, headers: { Authorization: 'Bearer hdr-456' } };
  const plan = { ...flagsPlan(), webhooks: [hook] };

  it('a plan is written with its webhooks redacted', () => {
    const text = JSON.stringify(redactPlan(plan));
    expect(text).not.toContain('tok-123');
    expect(text).not.toContain('hdr-456');
    expect(redactPlan(plan).webhooks[0]).toMatchObject({ url: 'https://h.example/x?token=***', headers: { Authorization: '***' }, timeoutMs: 2_000 });
  });

  it('a resumed run takes the secrets from the scenario file, or leaves the hook out and says so', () => {
    const journalled = redactPlan(plan).webhooks;
    expect(webhooksForResume(journalled, [hook])).toEqual({ hooks: [hook], missing: [] });
    expect(webhooksForResume(journalled, [])).toEqual({ hooks: [], missing: ['https://h.example/x?token=***'] });
    const plain = { ...hook, url: 'https://h.example/y', headers: {} };
    expect(webhooksForResume([plain])).toEqual({ hooks: [plain], missing: [] });
  });
});
