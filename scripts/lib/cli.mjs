// cli.mjs: the common start of the command-line tools: parse the arguments, print the usage for
// --help, and on a bad option print one line and exit with status 2.
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
