// Stands in for @jridgewell/gen-mapping: the runner never asks Sucrase for a source map (lines are kept instead).
export class GenMapping {
  constructor() {
    throw new Error("source maps are not available in the sandbox");
  }
}
export function maybeAddSegment() {}
export function toEncodedMap() {
  return {};
}
