import { expect } from 'chai';
import type { IncomingMessage } from 'node:http';
import { clientAddressFrom, requestIsHttpsFrom } from '../../src/infrastructure/client-address.js';

const request = (peer: string, forwardedFor?: string | string[]) =>
  ({ socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

describe('clientAddressFrom', () => {
  const behindProxy = clientAddressFrom(['10.0.0.2', '10.0.0.3']);

  it('uses the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddressFrom([])(request('203.0.113.9', '198.51.100.1'))).to.equal('203.0.113.9');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    expect(behindProxy(request('203.0.113.9', '198.51.100.1'))).to.equal('203.0.113.9');
  });

  it('takes the address the trusted proxy saw', () => {
    expect(behindProxy(request('10.0.0.2', '198.51.100.1'))).to.equal('198.51.100.1');
  });

  it('reads from the right past every trusted proxy, so a client cannot pick its own address', () => {
    // The client wrote "1.2.3.4" itself; the first proxy appended the address it saw.
    expect(behindProxy(request('10.0.0.2', '1.2.3.4, 198.51.100.1, 10.0.0.3'))).to.equal('198.51.100.1');
  });

  it('joins repeated headers', () => {
    expect(behindProxy(request('10.0.0.2', ['1.2.3.4', '198.51.100.1']))).to.equal('198.51.100.1');
  });

  it('falls back to the proxy on a broken header', () => {
    expect(behindProxy(request('10.0.0.2', 'not-an-address'))).to.equal('10.0.0.2');
    expect(behindProxy(request('10.0.0.2', ''))).to.equal('10.0.0.2');
    expect(behindProxy(request('10.0.0.2'))).to.equal('10.0.0.2');
  });

  it('treats IPv4-mapped IPv6 peers as their IPv4 address', () => {
    expect(behindProxy(request('::ffff:10.0.0.2', '198.51.100.1'))).to.equal('198.51.100.1');
    expect(clientAddressFrom([])(request('::ffff:203.0.113.9'))).to.equal('203.0.113.9');
  });
});

describe('requestIsHttpsFrom', () => {
  const secure = (peer: string, proto?: string | string[], encrypted = false) =>
    ({ socket: { remoteAddress: peer, encrypted }, headers: proto === undefined ? {} : { 'x-forwarded-proto': proto } }) as unknown as IncomingMessage;
  const behindProxy = requestIsHttpsFrom(['10.0.0.2']);

  it('takes a TLS socket for https', () => {
    expect(requestIsHttpsFrom([])(secure('203.0.113.9', undefined, true))).to.equal(true);
  });

  it('believes X-Forwarded-Proto from a trusted proxy only, its own (last) value', () => {
    expect(behindProxy(secure('10.0.0.2', 'https'))).to.equal(true);
    expect(behindProxy(secure('10.0.0.2', 'http'))).to.equal(false);
    expect(behindProxy(secure('10.0.0.2', 'https, http'))).to.equal(false);
    expect(behindProxy(secure('203.0.113.9', 'https'))).to.equal(false);
    expect(requestIsHttpsFrom([])(secure('10.0.0.2', 'https'))).to.equal(false);
  });
});
