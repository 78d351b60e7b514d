/**
 * Ajv over one root schema, so that any part of it (addressed by its JSON pointer, `$ref`s and all)
 * can check a candidate value. The generator asks it at every choice it makes (is this sample string
 * valid here? does this anyOf branch fit?) and once at the end for the whole value.
 */
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../../util/ajv.js';

const ROOT_ID = 'assistants-mock://schema';

/** A conjunction of schema parts, each named by its JSON pointer in the root (URI-encoded segments; '' is the root). */
export type Pointers = readonly string[];

export class SchemaValidator {
  private readonly ajv = createAjv({ strict: false, allErrors: false, validateSchema: false }, { formats: true });
  private readonly compiled = new Map<string, ValidateFunction | null>();
  /** False when Ajv could not compile the root (a malformed schema): then nothing can be checked. */
  private readonly usable: boolean;

  constructor(root: object) {
    try {
      this.ajv.addSchema({ ...root, $id: ROOT_ID });
      this.ajv.getSchema(ROOT_ID);
      this.usable = true;
    } catch {
      this.usable = false;
    }
  }

  /** Whether `value` satisfies every part; true when the parts cannot be compiled (nothing to go by). */
  check(pointers: Pointers, value: unknown): boolean {
    return this.run(pointers, value) ?? true;
  }

  /** Whether the whole schema can judge a value (it compiles, and validating with it did not throw). */
  get canJudge(): boolean {
    return this.validatorFor(['']) !== null;
  }

  /** Like check, but false when the parts cannot be compiled: for the final verdict on a whole value. */
  validates(value: unknown): boolean {
    return this.run([''], value) === true;
  }

  /**
   * The verdict, or undefined when there is none: the parts cannot be compiled, or validating throws
   * (a schema that refers to itself in a loop overflows the stack); such a validator is dropped, so
   * the costly failure happens once.
   */
  private run(pointers: Pointers, value: unknown): boolean | undefined {
    const validate = this.validatorFor(pointers);
    if (!validate) return undefined;
    try {
      return validate(value) === true;
    } catch {
      this.compiled.set(key(pointers), null);
      return undefined;
    }
  }

  private validatorFor(pointers: Pointers): ValidateFunction | null {
    if (!this.usable) return null;
    const unique = [...new Set(pointers)];
    let validate = this.compiled.get(key(pointers));
    if (validate === undefined) {
      try {
        validate =
          unique.length === 1
            ? ((this.ajv.getSchema(`${ROOT_ID}#${unique[0]}`) as ValidateFunction | undefined) ?? null)
            : this.ajv.compile({ allOf: unique.map((p) => ({ $ref: `${ROOT_ID}#${p}` })) });
      } catch {
        validate = null;
      }
      this.compiled.set(key(pointers), validate);
    }
    return validate;
  }
}

function key(pointers: Pointers): string {
  return [...new Set(pointers)].join('\u0000');
}
