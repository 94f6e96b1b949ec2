// Stands in for ts-interface-checker, which Sucrase uses only to validate its options (the runner passes fixed ones).
const type = () => ({});
export const array = type;
export const iface = type;
export const lit = type;
export const opt = type;
export const union = type;
export function createCheckers() {
  return { Options: { strictCheck() {} }, Transform: { strictCheck() {} }, SourceMapOptions: { strictCheck() {} } };
}
