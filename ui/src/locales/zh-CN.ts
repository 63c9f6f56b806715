// Every Chinese string the window shows, in one place for review by service-centre staff.
export const zhCN = {
  app: {
    title: "浙江省居住证互认办理",
    subtitle: "《浙江省居住证》互认转换 · 窗口办理",
    offline: "离线",
    today: "今日",
  },
  home: {
    newApplication: "新建申请",
    newApplicationHint: "按 F2 新建",
    quickCheck: "身份证号码核验",
    quickCheckHint: "输入18位公民身份号码，回车核验",
  },
  intake: {
    title: "《浙江省居住证》互认转换申请表",
    back: "返回首页",
  },
  idNumber: {
    label: "公民身份号码",
    placeholder: "18位号码，末位可为X",
    check: "核验",
    checking: "正在核验…",
    valid: "号码有效",
    birthDate: "出生日期",
    gender: "性别",
    age: "年龄",
    ageUnit: "岁",
    region: "赋码地代码",
  },
  errors: {
    IPC_FAILURE: "程序内部通信失败，请重试；如仍失败请联系管理员。",
    UNEXPECTED: "发生未预期的错误，请联系管理员。",
  },
} as const;
