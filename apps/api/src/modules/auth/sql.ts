import type { EntityManager } from 'typeorm';

/** The rows an UPDATE or DELETE ... RETURNING changed (TypeORM answers those two as [rows, rowCount]). */
export async function changedRows<T>(m: Pick<EntityManager, 'query'>, sql: string, params: unknown[]): Promise<T[]> {
  const [rows] = await m.query<[T[], number]>(sql, params);
  return rows;
}
