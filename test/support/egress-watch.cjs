/**
 * Preload (`node --require test/support/egress-watch.cjs …`) for the egress test: records every
 * outbound destination this process tries — TCP/TLS connects (net.Socket#connect, which http,
 * https, undici's fetch, pg, ioredis and tedious all go through), DNS lookups and queries
 * (dns.lookup, dns.resolve*, dns.promises, dns.Resolver) and UDP (dgram send/connect) — as JSON
 * lines appended to $EGRESS_REPORT, before the attempt is made. The test decides what was
 * allowed; so that a regression cannot reach the network while the test catches it, an attempt
 * at anything but loopback fails here (ECONNREFUSED / ENOTFOUND) instead of going out. Plain
 * CommonJS so it loads before tsx and before any module.
 */
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');
const dgram = require('node:dgram');

const report = process.env.EGRESS_REPORT;
if (!report) throw new Error('egress-watch: EGRESS_REPORT is not set');

function record(kind, target) {
  try {
    fs.appendFileSync(report, `${JSON.stringify({ kind, ...target, pid: process.pid })}\n`);
  } catch {
    // Never break the process under test.
  }
}

/** Loopback: the only place a test process may reach. */
function isLoopback(host) {
  const name = String(host).replace(/\.$/, '').toLowerCase();
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name) || name === '::ffff:127.0.0.1';
}

function refusal(code, host) {
  return Object.assign(new Error(`egress-watch: ${host} is not loopback; not attempted`), { code, hostname: host });
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connect(...args) {
  // net.connect passes normalized args ([options, callback]); a direct call passes (port, host) or (options).
  let first = args[0];
  if (Array.isArray(first)) first = first[0];
  if (first && typeof first === 'object') {
    if (first.path != null) record('connect', { path: String(first.path) });
    else {
      const host = first.host ?? 'localhost';
      record('connect', { host, port: Number(first.port) });
      if (!isLoopback(host)) return refuseSocket(this, host);
    }
  } else if (typeof first === 'string' && Number.isNaN(Number(first))) {
    record('connect', { path: first });
  } else {
    const host = typeof args[1] === 'string' ? args[1] : 'localhost';
    record('connect', { host, port: Number(first) });
    if (!isLoopback(host)) return refuseSocket(this, host);
  }
  return originalConnect.apply(this, args);
};

function refuseSocket(socket, host) {
  process.nextTick(() => socket.destroy(refusal('ECONNREFUSED', host)));
  return socket;
}

function wrapHostnameFunction(target, name, kind, promises) {
  const original = target[name];
  if (typeof original !== 'function') return;
  target[name] = function wrapped(hostname, ...rest) {
    record(kind, { host: String(hostname), call: name });
    if (isLoopback(hostname)) return original.call(this, hostname, ...rest);
    const error = refusal('ENOTFOUND', String(hostname));
    if (promises) return Promise.reject(error);
    const callback = rest.reverse().find((value) => typeof value === 'function');
    if (callback) process.nextTick(() => callback(error));
    return undefined;
  };
}

const RESOLVE_NAMES = Object.keys(dns).filter((name) => /^(lookup|lookupService|resolve.*|reverse)$/.test(name));
for (const name of RESOLVE_NAMES) wrapHostnameFunction(dns, name, 'dns', false);
for (const name of RESOLVE_NAMES) wrapHostnameFunction(dns.promises, name, 'dns', true);
for (const [Resolver, promises] of [[dns.Resolver, false], [dns.promises.Resolver, true]]) {
  for (const name of Object.getOwnPropertyNames(Resolver.prototype).filter((n) => /^(resolve.*|reverse)$/.test(n))) {
    wrapHostnameFunction(Resolver.prototype, name, 'dns', promises);
  }
}

const originalSend = dgram.Socket.prototype.send;
dgram.Socket.prototype.send = function send(...args) {
  // send(msg, [offset, length,] port, address, callback): the address is the string after the port.
  const address = args.find((value, index) => index > 0 && typeof value === 'string');
  const port = args.find((value, index) => index > 0 && typeof value === 'number' && value > 0 && value < 65536);
  record('udp', { host: address ?? 'localhost', port: port ?? null });
  if (!isLoopback(address ?? 'localhost')) {
    const callback = args.find((value) => typeof value === 'function');
    if (callback) process.nextTick(() => callback(refusal('ECONNREFUSED', address)));
    return undefined;
  }
  return originalSend.apply(this, args);
};
const originalUdpConnect = dgram.Socket.prototype.connect;
dgram.Socket.prototype.connect = function connect(port, address, ...rest) {
  const host = typeof address === 'string' ? address : 'localhost';
  record('udp', { host, port });
  if (!isLoopback(host)) throw refusal('ECONNREFUSED', host);
  return originalUdpConnect.call(this, port, address, ...rest);
};
