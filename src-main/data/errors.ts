import { basename } from 'node:path'

/**
 * A problem with input data, worded for the person who chose the file: the message starts with
 * the file's name (`clips.npy: expected 4-D, got 3-D`). Services map it to `invalid_input`;
 * `file` keeps the full path for logs.
 */
export class DataError extends Error {
  override readonly name = 'DataError'
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${basename(file) || file}: ${problem}`)
  }
}
