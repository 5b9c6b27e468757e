// Runs before each suite of `npm run test:postgres` (jest.postgres.config.ts): the helpers then open the
// PostgreSQL store instead of a JSON file (see openAnyStore in helpers.ts).
process.env.TEST_STORE = 'postgres';
