import { hashPassword } from '#src/modules/auth/password.js';
import { toPinyin } from '#src/modules/patients/pinyin.js';
import { DemoNetworkRepository } from './demo-network.repository.js';

export const DEMO_PASSWORD = 'Zhiyin-2026';

// The first deployment: Hanyang District, Wuhan — the district's central hospital (the hub, with its
// remote imaging and remote ECG diagnosis centres) and the community health service centres of the
// district's 11 streets (codes HY + the street's initials). The demo patients carry the patient IDs,
// names, sexes and birth dates of the synthetic study set in the shared test data (whose IDs keep that
// set's own prefixes), so its files uploaded in the demo land on the right patient.
export const HUB = {
  code: 'HUB',
  nameZh: '武汉市汉阳医院',
  nameEn: 'Wuhan Hanyang Hospital',
  address: '武汉市汉阳区汉阳大道53号',
};

export const CENTRES = [
  {
    code: 'HYJQ',
    dataset: 'BJCY',
    nameZh: '武汉市汉阳区建桥街社区卫生服务中心',
    nameEn: 'Jianqiao Community Health Service Centre, Hanyang',
  },
  {
    code: 'HYQC',
    dataset: 'BJHD',
    nameZh: '武汉市汉阳区晴川街社区卫生服务中心',
    nameEn: 'Qingchuan Community Health Service Centre, Hanyang',
  },
  {
    code: 'HYYW',
    dataset: 'BJDC',
    nameZh: '武汉市汉阳区鹦鹉街社区卫生服务中心',
    nameEn: 'Yingwu Community Health Service Centre, Hanyang',
  },
  {
    code: 'HYZT',
    dataset: 'BJXC',
    nameZh: '武汉市汉阳区洲头街社区卫生服务中心',
    nameEn: 'Zhoutou Community Health Service Centre, Hanyang',
  },
  {
    code: 'HYWLD',
    dataset: 'BJFT',
    nameZh: '武汉市汉阳区五里墩街社区卫生服务中心',
    nameEn: 'Wulidun Community Health Service Centre, Hanyang',
  },
  {
    code: 'HYQDK',
    dataset: 'BJSJS',
    nameZh: '武汉市汉阳区琴断口街社区卫生服务中心',
    nameEn: 'Qinduankou Community Health Service Centre, Hanyang',
  },
  {
    code: 'HYEQ',
    dataset: 'BJTZ',
    nameZh: '武汉市汉阳区江汉二桥街社区卫生服务中心',
    nameEn: 'Jianghan Erqiao Community Health Service Centre, Hanyang',
  },
  {
    code: 'HYYF',
    dataset: 'BJSY',
    nameZh: '武汉市汉阳区永丰街社区卫生服务中心',
    nameEn: 'Yongfeng Community Health Service Centre, Hanyang',
  },
  {
    code: 'HYJD',
    dataset: 'BJCP',
    nameZh: '武汉市汉阳区江堤街社区卫生服务中心',
    nameEn: 'Jiangdi Community Health Service Centre, Hanyang',
  },
  {
    code: 'HYSX',
    dataset: 'BJDX',
    nameZh: '武汉市汉阳区四新街社区卫生服务中心',
    nameEn: 'Sixin Community Health Service Centre, Hanyang',
  },
  {
    code: 'HYLY',
    dataset: 'BJFS',
    nameZh: '武汉市汉阳区龙阳街社区卫生服务中心',
    nameEn: 'Longyang Community Health Service Centre, Hanyang',
  },
] as const;

/**
 * The demo centre that stands for a centre of the shared synthetic data set (whose files carry their own
 * centre codes), so that a file of that set is sent by the doctor of the centre its patient belongs to.
 */
export function demoCentreOfDataset(datasetCentre: string): string {
  const centre = CENTRES.find((c) => c.dataset === datasetCentre);
  if (!centre) throw new Error(`no demo centre stands for data set centre ${datasetCentre}`);
  return centre.code;
}

const DOCTOR_NAMES: Record<string, [string, string]> = {
  HYJQ: ['周建华', 'Zhou Jianhua'],
  HYQC: ['吴秀兰', 'Wu Xiulan'],
  HYYW: ['徐志强', 'Xu Zhiqiang'],
  HYZT: ['孙丽娜', 'Sun Lina'],
  HYWLD: ['胡海燕', 'Hu Haiyan'],
  HYQDK: ['朱国庆', 'Zhu Guoqing'],
  HYEQ: ['高淑芬', 'Gao Shufen'],
  HYYF: ['林志明', 'Lin Zhiming'],
  HYJD: ['何静', 'He Jing'],
  HYSX: ['郭伟', 'Guo Wei'],
  HYLY: ['马丽', 'Ma Li'],
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
  ['HYJQ', 'BJCY100000', '孙', '娟', 'F', '2001-01-05'],
  ['HYQC', 'BJHD107919', '郑', '堃', 'M', '1956-11-12'],
  ['HYYW', 'BJDC115838', '黄', '淑珍', 'M', '1963-08-16'],
  ['HYZT', 'BJXC123757', '张', '伟', 'F', '1987-11-16'],
  ['HYWLD', 'BJFT131676', '郑', '军', 'M', '1990-02-09'],
  ['HYQDK', 'BJSJS139595', '张', '杰', 'F', '1944-05-12'],
  ['HYEQ', 'BJTZ147514', '司马', '䶮', 'M', '1970-04-01'],
  ['HYYF', 'BJSY155433', '罗', '芳', 'M', '1969-06-04'],
  ['HYJD', 'BJCP163352', '闫', '桂英', 'F', '1941-09-09'],
  ['HYSX', 'BJDX171271', '马', '喆', 'M', '1985-02-10'],
  ['HYLY', 'BJFS179190', '闫', '艳', 'F', '1955-02-12'],
  ['HYJQ', 'BJCY100101', '王', '建国', 'M', '1952-07-21'],
  ['HYJQ', 'BJCY100102', '李', '秀英', 'F', '1948-03-30'],
  ['HYJQ', 'BJCY100103', '赵', '德明', 'M', '1960-12-02'],
  ['HYQC', 'BJHD108001', '刘', '淑华', 'F', '1957-10-18'],
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
  const repo = await DemoNetworkRepository.open(databaseUrl);
  try {
    if ((await repo.facilityCount()) > 0) return { created: false, logins };
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    await repo.transaction(async (m) => {
      const hubId = await repo.insertHub(m, HUB);
      const ids = new Map<string, string>([['HUB', hubId]]);
      for (const c of CENTRES) {
        ids.set(c.code, await repo.insertCentre(m, c, hubId));
      }
      const centres = new Map<string, string>();
      for (const [service, zh, en] of [
        ['IMAGING', '影像诊断中心', 'Imaging Diagnosis Centre'],
        ['ECG', '心电诊断中心', 'ECG Diagnosis Centre'],
      ] as const) {
        centres.set(service, await repo.insertReadingCentre(m, hubId, service, zh, en));
      }
      for (const u of DEMO_USERS) {
        const readingCentre =
          u.specialty === 'radiology'
            ? centres.get('IMAGING')
            : u.specialty === 'cardiology'
              ? centres.get('ECG')
              : null;
        await repo.insertUser(m, {
          username: u.username,
          passwordHash,
          role: u.role,
          facilityId: u.facility ? (ids.get(u.facility) ?? null) : null,
          specialty: u.specialty ?? null,
          readingCentreId: readingCentre ?? null,
          nameZh: u.nameZh,
          nameEn: u.nameEn,
          onDuty: u.onDuty ?? false,
        });
      }
      for (const [centre, mrn, family, given, sex, birth] of DEMO_PATIENTS) {
        const py = toPinyin(family, given);
        await repo.insertPatient(m, {
          homeFacilityId: ids.get(centre),
          mrn,
          family,
          given,
          pinyin: py.full,
          initials: py.initials,
          sex,
          birthDate: birth,
        });
      }
    });
    return { created: true, logins };
  } finally {
    await repo.close();
  }
}
