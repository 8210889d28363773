// A minimal reader of the catalog zip, enough to check what the catalog sees: entry names, Unix
// modes and contents (stored or deflated entries, no zip64 — a plugin archive is far below 4 GiB).
import { readFileSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

/**
 * Reads every entry of a zip file.
 * @param {string} path
 * @returns {Map<string, {mode: number, data: () => Buffer}>} name → Unix permission bits and contents
 */
export function readZip(path) {
  const buf = readFileSync(path);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new Error(`${path} is not a zip file (no end of central directory)`);
  }
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== CENTRAL_FILE_HEADER) {
      throw new Error(`${path}: broken central directory at entry ${n}`);
    }
    const method = buf.readUInt16LE(p + 10);
    const compressedSize = buf.readUInt32LE(p + 20);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const madeByUnix = buf.readUInt8(p + 5) === 3;
    const externalAttrs = buf.readUInt32LE(p + 38);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;

    const data = () => {
      if (buf.readUInt32LE(localOffset) !== LOCAL_FILE_HEADER) {
        throw new Error(`${path}: broken local header of ${name}`);
      }
      const start = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
      const raw = buf.subarray(start, start + compressedSize);
      if (method === 0) {
        return raw;
      }
      if (method === 8) {
        return inflateRawSync(raw);
      }
      throw new Error(`${path}: ${name} uses compression method ${method}`);
    };
    // Without Unix attributes (an archive made on Windows) no entry has a run bit.
    entries.set(name, { mode: madeByUnix ? (externalAttrs >>> 16) & 0o7777 : 0, data });
  }
  return entries;
}
