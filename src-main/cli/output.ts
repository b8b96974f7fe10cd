/** The CLI's voice: people read stdout, scripts read `--json`; diagnostics go to stderr. */
export const out = {
  line(text = '') {
    process.stdout.write(text + '\n')
  },
  json(value: unknown) {
    process.stdout.write(JSON.stringify(value, null, 2) + '\n')
  },
  error(text: string) {
    process.stderr.write(`tmu: ${text}\n`)
  },
}
