/**
 * Names users give (commands, laws, columns, parameters, formula symbols, option keys, artifact fields) are
 * looked up among a table's own keys only, never on what every JavaScript object inherits from
 * `Object.prototype` (`constructor`, `__proto__`, `toString`, `valueOf`, …). Records keyed by such names are
 * collected in a `Map` and made with `Object.fromEntries`, which keeps every name, `__proto__` included, as an
 * own key (an assignment `record[name] = …` would set the prototype instead).
 */

const builtinNames: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Whether a record itself has a key (an inherited built-in such as `constructor` does not count).
 * @example hasOwnName({ N: 1 }, "N") // true; hasOwnName({ N: 1 }, "constructor") // false
 */
export function hasOwnName(record: object | null | undefined, name: string): boolean {
  return record !== null && record !== undefined && Object.hasOwn(record, name);
}

/**
 * The value of a record under a name given by a user, or undefined when the record itself lacks the key.
 * @example ownEntry({ exp: Math.exp }, "exp") // Math.exp; ownEntry({ exp: Math.exp }, "toString") // undefined
 */
export function ownEntry<T>(
  record: Readonly<Record<string, T>> | null | undefined,
  name: string,
): T | undefined {
  return hasOwnName(record, name) ? record![name] : undefined;
}

/**
 * Whether a name is one every JavaScript object inherits: refused as the name of a parameter or an input.
 * @example isBuiltinName("constructor") // true; isBuiltinName("alpha") // false
 */
export function isBuiltinName(name: string): boolean {
  return builtinNames.has(name);
}
