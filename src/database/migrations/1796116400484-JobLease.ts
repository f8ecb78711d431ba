import type { MigrationInterface, QueryRunner } from 'typeorm';

/** SQLite: `job_lease`, so periodic jobs run once across the processes sharing the file. */
export class JobLease1796116400484 implements MigrationInterface {
  name = 'JobLease1796116400484';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "job_lease" ("name" varchar(50) PRIMARY KEY NOT NULL, "holder" varchar(100) NOT NULL, "leaseUntil" bigint NOT NULL)`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "job_lease"`);
  }
}
