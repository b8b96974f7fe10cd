import { z } from 'zod'

/**
 * zod's own messages are for programmers ("Too small: expected string to have >=1 characters",
 * "Invalid input: expected number, received string") and reached people through forms and the
 * router's replies. This error map says in words what a value needs; it is set once, for every
 * schema on both sides, when the contract loads. A schema's own message still wins. The field
 * is named by whoever shows the message: a form beside its field, the router by its path.
 */
type RawIssue = z.core.$ZodRawIssue

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'yes or no (true or false)',
  array: 'a list',
  object: 'a set of fields',
  bigint: 'a whole number',
  date: 'a date',
}

const UNIT: Record<string, [one: string, many: string]> = {
  string: ['character', 'characters'],
  array: ['item', 'items'],
  set: ['item', 'items'],
  file: ['byte', 'bytes'],
}

function received(input: unknown): string {
  if (input === undefined) return 'nothing was given'
  if (input === null) return 'it was empty'
  if (typeof input === 'number' && !Number.isFinite(input)) return `got ${input}`
  if (typeof input === 'string') return input.trim() === '' ? 'it was empty' : `got "${input}"`
  if (Array.isArray(input)) return 'got a list'
  return typeof input === 'object' ? 'got a set of fields' : `got ${String(input)}`
}

function bound(issue: RawIssue & { code: 'too_small' | 'too_big' }): string {
  const small = issue.code === 'too_small'
  const limit = Number(small ? issue.minimum : issue.maximum)
  const unit = UNIT[issue.origin]
  if (unit) {
    if (small && limit === 1 && issue.origin === 'string') return 'must not be empty'
    if (small && limit === 1) return 'needs at least one item'
    const words = limit === 1 ? unit[0] : unit[1]
    return `must have ${small ? 'at least' : 'at most'} ${limit} ${words}`
  }
  if (issue.inclusive === false) {
    return small
      ? limit === 0
        ? 'must be more than 0'
        : `must be more than ${limit}`
      : `must be less than ${limit}`
  }
  return `must be ${small ? 'at least' : 'at most'} ${limit}`
}

export function plainIssueMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      const needed = TYPE_WORDS[issue.expected] ?? issue.expected
      if (issue.input === undefined) return `is required: ${needed}`
      return `must be ${needed}; ${received(issue.input)}`
    }
    case 'too_small':
    case 'too_big':
      return bound(issue)
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${JSON.stringify(issue.values[0])}`
        : `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`
    case 'unrecognized_keys':
      return `has ${issue.keys.length === 1 ? 'a field' : 'fields'} this workbench does not know: ${issue.keys.join(', ')}`
    case 'invalid_format':
      return `must be ${issue.format === 'regex' ? 'in the expected form' : `a valid ${issue.format}`}`
    case 'invalid_union':
      return 'does not match any of the accepted forms'
    default:
      return undefined
  }
}

z.config({ customError: plainIssueMessage })
