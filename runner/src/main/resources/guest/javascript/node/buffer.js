// A small Node "Buffer" for JavaScript tasks (docs/languages.md): a Uint8Array with the encodings utf8, base64, hex
// and latin1, enough for fs to hand back bytes and for code that calls toString() on them.

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function utf8Bytes(text) {
  const out = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.codePointAt(i);
    if (c > 0xffff) {
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if (c < 0x80) {
      out.push(c);
    } else if (c < 0x800) {
      out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    } else if (c < 0x10000) {
      out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    } else {
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
  }
  return out;
}

function utf8Text(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    const need = b < 0x80 ? 0 : b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 ? 2 : b >= 0xc0 ? 1 : -1;
    if (need < 0 || i + need >= bytes.length) {
      out += "\ufffd";
      i++;
      continue;
    }
    let c = need === 0 ? b : b & (0x3f >> need);
    let ok = true;
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if ((next & 0xc0) !== 0x80) {
        ok = false;
        break;
      }
      c = (c << 6) | (next & 63);
    }
    if (!ok) {
      out += "\ufffd";
      i++;
      continue;
    }
    out += String.fromCodePoint(c);
    i += need + 1;
  }
  return out;
}

function base64Text(bytes) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64[(n >> 18) & 63] + BASE64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? BASE64[(n >> 6) & 63] : "=";
    out += i + 2 < bytes.length ? BASE64[n & 63] : "=";
  }
  return out;
}

function base64Bytes(text) {
  const clean = String(text).replace(/[^A-Za-z0-9+/\-_]/g, "");
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = ch === "-" ? 62 : ch === "_" ? 63 : BASE64.indexOf(ch);
    value = (value << 6) | index;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 255);
    }
  }
  return out;
}

function bytesOf(text, encoding = "utf8") {
  switch (String(encoding).toLowerCase()) {
    case "utf8":
    case "utf-8":
      return utf8Bytes(text);
    case "base64":
    case "base64url":
      return base64Bytes(text);
    case "hex":
      return (text.match(/../g) ?? []).map((h) => parseInt(h, 16));
    case "latin1":
    case "binary":
    case "ascii":
      return [...text].map((ch) => ch.charCodeAt(0) & 255);
    default:
      throw new TypeError(`Unknown encoding: ${encoding}`);
  }
}

export class Buffer extends Uint8Array {
  static from(value, encodingOrOffset, length) {
    if (typeof value === "string") {
      return new Buffer(bytesOf(value, encodingOrOffset ?? "utf8"));
    }
    if (value instanceof ArrayBuffer) {
      return new Buffer(value, encodingOrOffset ?? 0, length ?? value.byteLength - (encodingOrOffset ?? 0));
    }
    return new Buffer(Array.from(value));
  }

  static alloc(size, fill = 0) {
    return new Buffer(size).fill(typeof fill === "number" ? fill : 0);
  }

  static isBuffer(value) {
    return value instanceof Buffer;
  }

  static byteLength(value, encoding) {
    return typeof value === "string" ? bytesOf(value, encoding).length : value.byteLength;
  }

  static concat(list, total) {
    const length = total ?? list.reduce((sum, b) => sum + b.length, 0);
    const out = Buffer.alloc(length);
    let at = 0;
    for (const b of list) {
      out.set(b.subarray(0, Math.max(0, length - at)), at);
      at += b.length;
      if (at >= length) {
        break;
      }
    }
    return out;
  }

  toString(encoding = "utf8", start = 0, end = this.length) {
    const bytes = this.subarray(start, end);
    switch (String(encoding).toLowerCase()) {
      case "utf8":
      case "utf-8":
        return utf8Text(bytes);
      case "base64":
        return base64Text(bytes);
      case "base64url":
        return base64Text(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
      case "hex":
        return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      case "latin1":
      case "binary":
      case "ascii":
        return Array.from(bytes, (b) => String.fromCharCode(b)).join("");
      default:
        throw new TypeError(`Unknown encoding: ${encoding}`);
    }
  }

  equals(other) {
    return this.length === other.length && this.every((b, i) => b === other[i]);
  }

  toJSON() {
    return { type: "Buffer", data: Array.from(this) };
  }
}

export default { Buffer };
