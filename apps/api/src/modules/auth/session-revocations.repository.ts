import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

// The read behind SessionRevocations: every session ended within a window.
@Injectable()
export class SessionRevocationsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The ids a revoked session's tokens carry (refresh-token families, patient access codes and their families,
   * service accounts), for everything revoked within the last `windowSeconds`.
   */
  async revokedWithin(windowSeconds: number): Promise<string[]> {
    const rows = await this.ds.query<{ id: string }[]>(
      `SELECT DISTINCT family_id::text AS id FROM refresh_token
         WHERE revoked_at IS NOT NULL AND revoked_at > now() - make_interval(secs => $1)
       UNION
       SELECT id::text FROM patient_access_code
         WHERE revoked_at IS NOT NULL AND revoked_at > now() - make_interval(secs => $1)
       UNION
       SELECT DISTINCT t.family_id::text FROM refresh_token t
         JOIN patient_access_code c ON c.id = t.patient_access_code_id
         WHERE c.revoked_at IS NOT NULL AND c.revoked_at > now() - make_interval(secs => $1)
       UNION
       SELECT id::text FROM service_account
         WHERE revoked_at IS NOT NULL AND revoked_at > now() - make_interval(secs => $1)`,
      [windowSeconds],
    );
    return rows.map((r) => r.id);
  }
}
