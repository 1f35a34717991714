// src/codec.ts: hex and base64 against known vectors, and big inputs that a spread would not survive.
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toBase64, toBase64Url, toHex } from '../../src/codec';
import { sha256Hex } from '../../src/http/conditional';
import { b64 } from './codec';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('hex', () => {
  it('writes two lower-case digits a byte, from a Uint8Array or an ArrayBuffer', () => {
    const bytes = Uint8Array.of(0, 1, 15, 16, 171, 255);
    expect(toHex(bytes)).toBe('00010f10abff');
    expect(toHex(bytes.buffer)).toBe('00010f10abff');
    expect(toHex(new Uint8Array(0))).toBe('');
  });

  it('reads what it writes, in either case, and refuses what is not whole bytes of hex', () => {
    expect([...fromHex('00010f10abff')]).toEqual([0, 1, 15, 16, 171, 255]);
    expect([...fromHex('ABFF')]).toEqual([171, 255]);
    expect(fromHex('')).toEqual(new Uint8Array(0));
    for (const bad of ['abc', 'zz', '0x00', ' 00']) expect(() => fromHex(bad)).toThrow();
  });

  it('is what sha256Hex answers', async () => {
    expect(await sha256Hex(ascii('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('base64', () => {
  it('encodes the RFC 4648 vectors, padded', () => {
    const vectors = {
      '': '',
      f: 'Zg==',
      fo: 'Zm8=',
      foo: 'Zm9v',
      foob: 'Zm9vYg==',
      fooba: 'Zm9vYmE=',
      foobar: 'Zm9vYmFy',
    };
    for (const [text, encoded] of Object.entries(vectors)) {
      expect(toBase64(ascii(text))).toBe(encoded);
      expect(new TextDecoder().decode(fromBase64(encoded))).toBe(text);
    }
  });

  it('has a URL-safe form without padding', () => {
    expect(toBase64(Uint8Array.of(0xfb, 0xff))).toBe('+/8=');
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
    expect(toBase64Url(ascii('foobar'))).toBe('Zm9vYmFy');
  });

  it('encodes and decodes megabytes (more arguments than one call may take)', () => {
    const bytes = new Uint8Array(3 * 1024 * 1024 + 1);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    const encoded = toBase64(bytes);
    expect(encoded).toBe(b64(bytes)); // the tests' own byte-at-a-time encoder
    const decoded = fromBase64(encoded);
    expect(decoded.length).toBe(bytes.length);
    expect(decoded.every((x, i) => x === bytes[i])).toBe(true); // toEqual walks megabytes slowly
    expect(toHex(bytes).length).toBe(2 * bytes.length);
  });

  it('refuses text that is not base64', () => {
    expect(() => fromBase64('not base64!')).toThrow();
  });
});
