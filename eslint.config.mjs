// ESLint flat config: typescript-eslint with type information, the Pulumi plugin's Output rules,
// and the correctness rules this project relies on (no floating promises above all: a dropped
// promise in a Pulumi program is a resource that silently never registers).
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    { ignores: ["node_modules/**", "out/**", "build/**", "**/*.js", "**/*.mjs"] },
    ...tseslint.configs.recommended,
    {
        files: ["**/*.ts"],
        languageOptions: {
            parserOptions: { project: "./tsconfig.json", tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-misused-promises": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            curly: "error",
            eqeqeq: ["error", "smart"],
            "prefer-const": "error",
            "no-var": "error",
        },
    },
);
