// eslint.config.js: ESLint 9 flat config for the project's JavaScript (run by `npm run lint`).
// Everything is an ES module but web/boot.js (ES5, a classic script). web/ runs in the page (browser globals) except the workers, which
// get worker globals only, so that a worker touching the DOM is an error; scripts/ and tests/ run
// in Node (tests also get browser globals, for the code they hand to Playwright's page.evaluate).
import js from '@eslint/js';
import globals from 'globals';

export default [
    { ignores: ['web/vendor/', 'build/', 'node_modules/', 'test-results/', '.cache/'] },
    js.configs.recommended,
    {
        files: ['**/*.js', '**/*.mjs'],
        languageOptions: { ecmaVersion: 2024, sourceType: 'module' },
        rules: {
            'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
            // 4 spaces everywhere, as the C (`npx eslint --fix FILE` reindents). ESLint's own rule, deprecated
            // (frozen) in favour of @stylistic/indent but still shipped: no new dependency for it.
            // Ternaries and template literals are left as written (the rule fights their layout).
            indent: ['error', 4, { SwitchCase: 1, flatTernaryExpressions: true, ignoredNodes: ['ConditionalExpression *', 'TemplateLiteral *'] }],
        },
    },
    {
        files: ['web/**/*.js', 'web/**/*.mjs'],
        ignores: ['web/**/*worker*.js', 'web/**/*worker*.mjs'],
        languageOptions: { globals: globals.browser },
    },
    {
        // a classic script that must parse in any browser, to say that the page cannot run there
        files: ['web/boot.js'],
        languageOptions: { ecmaVersion: 5, sourceType: 'script', globals: { ...globals.browser, Intl: 'readonly', Uint8Array: 'readonly' } },
    },
    {
        files: ['web/**/*worker*.js', 'web/**/*worker*.mjs'],
        languageOptions: { globals: globals.worker },
    },
    {
        files: ['scripts/**/*.js', 'scripts/**/*.mjs', 'eslint.config.js'],
        languageOptions: { globals: globals.node },
    },
    {
        files: ['tests/**/*.js', 'tests/**/*.mjs'],
        languageOptions: { globals: { ...globals.node, ...globals.browser } },
    },
];
