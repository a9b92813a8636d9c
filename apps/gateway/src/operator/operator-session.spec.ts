import {
  OPERATOR_SESSION_SECONDS,
  cookieValue,
  isOperatorBearer,
  isOperatorToken,
  isValidOperatorSession,
  operatorSessionValue,
  sessionCookie,
} from './operator-session';

const TOKEN = 'an-operator-token-of-some-length';
const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('operator session cookie', () => {
  it('is valid for the session length and no longer', () => {
    const value = operatorSessionValue(TOKEN, NOW);
    expect(isValidOperatorSession(TOKEN, value, NOW)).toBe(true);
    expect(isValidOperatorSession(TOKEN, value, NOW + (OPERATOR_SESSION_SECONDS - 1) * 1000)).toBe(true);
    expect(isValidOperatorSession(TOKEN, value, NOW + OPERATOR_SESSION_SECONDS * 1000)).toBe(false);
  });

  it('is refused when tampered with, forged, or made with another token', () => {
    const value = operatorSessionValue(TOKEN, NOW);
    const [expires, mac] = value.split('.');
    expect(isValidOperatorSession(TOKEN, `${Number(expires) + 3600}.${mac}`, NOW)).toBe(false);
    expect(isValidOperatorSession(TOKEN, `${expires}.${'A'.repeat(43)}`, NOW)).toBe(false);
    expect(isValidOperatorSession('another-operator-token-entirely', value, NOW)).toBe(false);
    expect(isValidOperatorSession(TOKEN, undefined, NOW)).toBe(false);
    expect(isValidOperatorSession(TOKEN, 'garbage', NOW)).toBe(false);
  });

  it('is an HttpOnly, SameSite=Strict cookie on the dashboard path, Secure behind https', () => {
    expect(sessionCookie('v', '/admin/queues', false)).toBe(
      `scim_operator=v; Path=/admin/queues; Max-Age=${OPERATOR_SESSION_SECONDS}; HttpOnly; SameSite=Strict`,
    );
    expect(sessionCookie('v', '/admin/queues', true)).toMatch(/; Secure$/);
  });

  it('is found among other cookies', () => {
    expect(cookieValue('a=1; scim_operator=abc.def; b=2', 'scim_operator')).toBe('abc.def');
    expect(cookieValue('a=1', 'scim_operator')).toBeUndefined();
    expect(cookieValue(undefined, 'scim_operator')).toBeUndefined();
  });
});

describe('operator token', () => {
  it('is accepted as a Bearer header or a posted value, exactly', () => {
    expect(isOperatorBearer(TOKEN, `Bearer ${TOKEN}`)).toBe(true);
    expect(isOperatorBearer(TOKEN, `bearer ${TOKEN}`)).toBe(true);
    expect(isOperatorBearer(TOKEN, `Bearer ${TOKEN}x`)).toBe(false);
    expect(isOperatorBearer(TOKEN, 'Bearer')).toBe(false);
    expect(isOperatorBearer(TOKEN, undefined)).toBe(false);
    expect(isOperatorToken(TOKEN, TOKEN)).toBe(true);
    expect(isOperatorToken(TOKEN, TOKEN.slice(1))).toBe(false);
    expect(isOperatorToken(TOKEN, '')).toBe(false);
    expect(isOperatorToken(TOKEN, ['x'])).toBe(false);
  });
});
