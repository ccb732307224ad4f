import { DataSource } from 'typeorm';
import { dataSourceOptions } from '#src/database/data-source.js';
import { hashPassword } from '#src/modules/auth/password.js';
import { toPinyin } from '#src/modules/patients/pinyin.js';

export const DEMO_PASSWORD = 'Zhiyin-2026';

// The first deployment: one district hub hospital with an imaging and an ECG reading centre, and
// 11 community health service centres. Names of centres and patients follow the synthetic study
// set in the shared test data, so demo uploads land on the right patient.
export const HUB = {
  code: 'HUB',
  nameZh: '北京市区域医疗中心医院',
  nameEn: 'Beijing Regional Hub Hospital',
  address: '北京市朝阳区工体南路8号',
};

export const CENTRES = [
  {
    code: 'BJCY',
    nameZh: '北京市朝阳区双井社区卫生服务中心',
    nameEn: 'Shuangjing Community Health Service Centre, Chaoyang',
  },
  {
    code: 'BJHD',
    nameZh: '北京市海淀区学院路社区卫生服务中心',
    nameEn: 'Xueyuan Road Community Health Service Centre, Haidian',
  },
  {
    code: 'BJDC',
    nameZh: '北京市东城区东四社区卫生服务中心',
    nameEn: 'Dongsi Community Health Service Centre, Dongcheng',
  },
  {
    code: 'BJXC',
    nameZh: '北京市西城区月坛社区卫生服务中心',
    nameEn: 'Yuetan Community Health Service Centre, Xicheng',
  },
  {
    code: 'BJFT',
    nameZh: '北京市丰台区方庄社区卫生服务中心',
    nameEn: 'Fangzhuang Community Health Service Centre, Fengtai',
  },
  {
    code: 'BJSJS',
    nameZh: '北京市石景山区八角社区卫生服务中心',
    nameEn: 'Bajiao Community Health Service Centre, Shijingshan',
  },
  {
    code: 'BJTZ',
    nameZh: '北京市通州区中仓社区卫生服务中心',
    nameEn: 'Zhongcang Community Health Service Centre, Tongzhou',
  },
  { code: 'BJSY', nameZh: '北京市顺义区仁和社区卫生服务中心', nameEn: 'Renhe Community Health Service Centre, Shunyi' },
  {
    code: 'BJCP',
    nameZh: '北京市昌平区回龙观社区卫生服务中心',
    nameEn: 'Huilongguan Community Health Service Centre, Changping',
  },
  {
    code: 'BJDX',
    nameZh: '北京市大兴区兴丰社区卫生服务中心',
    nameEn: 'Xingfeng Community Health Service Centre, Daxing',
  },
  {
    code: 'BJFS',
    nameZh: '北京市房山区长阳社区卫生服务中心',
    nameEn: 'Changyang Community Health Service Centre, Fangshan',
  },
] as const;

const DOCTOR_NAMES: Record<string, [string, string]> = {
  BJCY: ['周建华', 'Zhou Jianhua'],
  BJHD: ['吴秀兰', 'Wu Xiulan'],
  BJDC: ['徐志强', 'Xu Zhiqiang'],
  BJXC: ['孙丽娜', 'Sun Lina'],
  BJFT: ['胡海燕', 'Hu Haiyan'],
  BJSJS: ['朱国庆', 'Zhu Guoqing'],
  BJTZ: ['高淑芬', 'Gao Shufen'],
  BJSY: ['林志明', 'Lin Zhiming'],
  BJCP: ['何静', 'He Jing'],
  BJDX: ['郭伟', 'Guo Wei'],
  BJFS: ['马丽', 'Ma Li'],
};

interface DemoUser {
  username: string;
  role: 'community_doctor' | 'specialist' | 'coordinator' | 'admin';
  facility: string | null;
  specialty?: 'radiology' | 'cardiology';
  nameZh: string;
  nameEn: string;
  onDuty?: boolean;
}

export const DEMO_USERS: DemoUser[] = [
  ...CENTRES.map((c) => ({
    username: `doc.${c.code.toLowerCase()}`,
    role: 'community_doctor' as const,
    facility: c.code,
    nameZh: DOCTOR_NAMES[c.code]![0],
    nameEn: DOCTOR_NAMES[c.code]![1],
  })),
  {
    username: 'rad.li',
    role: 'specialist',
    facility: 'HUB',
    specialty: 'radiology',
    nameZh: '李明',
    nameEn: 'Li Ming',
    onDuty: true,
  },
  {
    username: 'rad.wang',
    role: 'specialist',
    facility: 'HUB',
    specialty: 'radiology',
    nameZh: '王芳',
    nameEn: 'Wang Fang',
    onDuty: true,
  },
  {
    username: 'card.chen',
    role: 'specialist',
    facility: 'HUB',
    specialty: 'cardiology',
    nameZh: '陈强',
    nameEn: 'Chen Qiang',
    onDuty: true,
  },
  {
    username: 'card.zhang',
    role: 'specialist',
    facility: 'HUB',
    specialty: 'cardiology',
    nameZh: '张丽',
    nameEn: 'Zhang Li',
    onDuty: true,
  },
  { username: 'coord.liu', role: 'coordinator', facility: 'HUB', nameZh: '刘洋', nameEn: 'Liu Yang', onDuty: true },
  { username: 'admin', role: 'admin', facility: null, nameZh: '系统管理员', nameEn: 'Administrator' },
];

/** [centre, MRN (= DICOM PatientID), family, given, sex, birth date] */
export const DEMO_PATIENTS: [string, string, string, string, 'M' | 'F', string][] = [
  ['BJCY', 'BJCY100000', '孙', '娟', 'F', '2001-01-05'],
  ['BJHD', 'BJHD107919', '郑', '堃', 'M', '1956-11-12'],
  ['BJDC', 'BJDC115838', '黄', '淑珍', 'M', '1963-08-16'],
  ['BJXC', 'BJXC123757', '张', '伟', 'F', '1987-11-16'],
  ['BJFT', 'BJFT131676', '郑', '军', 'M', '1990-02-09'],
  ['BJSJS', 'BJSJS139595', '张', '杰', 'F', '1944-05-12'],
  ['BJTZ', 'BJTZ147514', '司马', '䶮', 'M', '1970-04-01'],
  ['BJSY', 'BJSY155433', '罗', '芳', 'M', '1969-06-04'],
  ['BJCP', 'BJCP163352', '闫', '桂英', 'F', '1941-09-09'],
  ['BJDX', 'BJDX171271', '马', '喆', 'M', '1985-02-10'],
  ['BJFS', 'BJFS179190', '闫', '艳', 'F', '1955-02-12'],
  ['BJCY', 'BJCY100101', '王', '建国', 'M', '1952-07-21'],
  ['BJCY', 'BJCY100102', '李', '秀英', 'F', '1948-03-30'],
  ['BJCY', 'BJCY100103', '赵', '德明', 'M', '1960-12-02'],
  ['BJHD', 'BJHD108001', '刘', '淑华', 'F', '1957-10-18'],
];

export interface SeedResult {
  created: boolean;
  logins: { username: string; role: string; label: string }[];
}

/** Seeds the demo network once (when there are no facilities yet). Safe to call on every start. */
export async function seedDemoNetwork(databaseUrl: string): Promise<SeedResult> {
  const logins = DEMO_USERS.map((u) => ({
    username: u.username,
    role: u.specialty ? `${u.role}/${u.specialty}` : u.role,
    label: `${u.nameZh} ${u.nameEn}${u.facility && u.facility !== 'HUB' ? ` · ${u.facility}` : u.facility === 'HUB' ? ' · hub' : ''}`,
  }));
  const ds = new DataSource({ ...dataSourceOptions(databaseUrl), entities: [], migrations: [] });
  await ds.initialize();
  try {
    const [{ n }] = await ds.query<[{ n: number }]>('SELECT count(*)::int AS n FROM facility');
    if (n > 0) return { created: false, logins };
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    await ds.transaction(async (m) => {
      const [hub] = await m.query<[{ id: string }]>(
        `INSERT INTO facility (code, kind, name_zh, name_en, address) VALUES ($1, 'hub', $2, $3, $4) RETURNING id`,
        [HUB.code, HUB.nameZh, HUB.nameEn, HUB.address],
      );
      const ids = new Map<string, string>([['HUB', hub.id]]);
      for (const c of CENTRES) {
        const [row] = await m.query<[{ id: string }]>(
          `INSERT INTO facility (code, kind, name_zh, name_en, hub_id) VALUES ($1, 'community', $2, $3, $4) RETURNING id`,
          [c.code, c.nameZh, c.nameEn, hub.id],
        );
        ids.set(c.code, row.id);
      }
      const centres = new Map<string, string>();
      for (const [service, zh, en] of [
        ['IMAGING', '影像诊断中心', 'Imaging Diagnosis Centre'],
        ['ECG', '心电诊断中心', 'ECG Diagnosis Centre'],
      ] as const) {
        const [row] = await m.query<[{ id: string }]>(
          `INSERT INTO reading_centre (hub_id, service, name_zh, name_en) VALUES ($1, $2, $3, $4) RETURNING id`,
          [hub.id, service, zh, en],
        );
        centres.set(service, row.id);
      }
      for (const u of DEMO_USERS) {
        const readingCentre =
          u.specialty === 'radiology'
            ? centres.get('IMAGING')
            : u.specialty === 'cardiology'
              ? centres.get('ECG')
              : null;
        await m.query(
          `INSERT INTO app_user (username, password_hash, role, facility_id, specialty, reading_centre_id,
                                 display_name_zh, display_name_en, on_duty)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            u.username,
            passwordHash,
            u.role,
            u.facility ? ids.get(u.facility) : null,
            u.specialty ?? null,
            readingCentre ?? null,
            u.nameZh,
            u.nameEn,
            u.onDuty ?? false,
          ],
        );
      }
      for (const [centre, mrn, family, given, sex, birth] of DEMO_PATIENTS) {
        const py = toPinyin(family, given);
        await m.query(
          `INSERT INTO patient (home_facility_id, mrn, family_name_zh, given_name_zh, name_pinyin, pinyin_initials, sex, birth_date)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [ids.get(centre), mrn, family, given, py.full, py.initials, sex, birth],
        );
      }
    });
    return { created: true, logins };
  } finally {
    await ds.destroy();
  }
}
