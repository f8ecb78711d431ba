/** setupFiles of the `e2e-postgres` project: the launchers in test/support open PostgreSQL databases. */
process.env.FLOWGATE_TEST_DATABASE = 'postgres';
