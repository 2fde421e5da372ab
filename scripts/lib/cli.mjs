// cli.mjs: the common start of the command-line tools: parse the arguments, print the usage for
// --help, and on a bad option print one line and exit with status 2.
import { parseArgs } from 'node:util';

/** A bad command line: the tools print its message and exit with status 2. */
export class UsageError extends Error {}

/** node:util's parseArgs, strict, with `positionals` allowed or not; its complaints as UsageError. */
export function parseStrict(argv, options, { positionals = false } = {}) {
    try {
        return parseArgs({ args: argv, strict: true, allowPositionals: positionals, options });
    } catch (e) {
        throw new UsageError(e.message);
    }
}
/** The whole number `text` of option --name, at least min; anything else is a UsageError. */
export function positiveInt(name, text, { min = 1 } = {}) {
    if (!/^\d+$/.test(text ?? '')) throw new UsageError(`--${name} needs a whole number, not "${text}"`);
    const v = Number(text);
    if (v < min || !Number.isSafeInteger(v)) throw new UsageError(`--${name} must be at least ${min}`);
    return v;
}
export function parseOrExit(tool, parse, usage, argv = process.argv.slice(2)) {
    let opts;
    try {
        opts = parse(argv);
    } catch (e) {
        console.error(`${tool}: ${e.message}`);
        console.error('run with --help for the options');
        process.exit(2);
    }
    if (opts.help) {
        console.log(usage);
        process.exit(0);
    }
    return opts;
}
