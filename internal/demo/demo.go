// Package demo loads the demo enterprise through the services, never raw
// SQL, so the demo exercises the same validation and audit as real use.
// Names are bilingual, and the source document's stories are in it: the
// retailer's user-profile system that serves no merchandising goal, the
// predictive-maintenance model bound to downtime, the customer-service
// agent bound to response time, and more.
package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// Services are what the demo writes through.
type Services interface {
	lodestar.UserService
	lodestar.UseCaseService
	lodestar.BusinessUnitService
	lodestar.GoalService
	lodestar.KPIService
	lodestar.PainPointService
	lodestar.ModelService
	lodestar.SwitchService
	lodestar.EvidenceService
	lodestar.ExperimentService
	// DemoLoaded and MarkDemoLoaded keep whether the demo was loaded
	// whole (the store keeps it in demo_state).
	DemoLoaded(ctx context.Context) (bool, error)
	MarkDemoLoaded(ctx context.Context) error
}

// ErrPartial is Load's answer for a database that holds part of the demo:
// an earlier load was interrupted.
var ErrPartial = errors.New("an earlier demo load was interrupted and the database holds part of the demo; start again from an empty data directory (or database) to load it whole")

type demoUser struct {
	key, email, name string
	role             lodestar.Role
}

var users = []demoUser{
	{"ceo", "ceo@demo.lodestar", "Chen Wei 陈伟", lodestar.RoleCommittee},
	{"retail", "owner.retail@demo.lodestar", "Li Na 李娜", lodestar.RoleBusinessOwner},
	{"mfg", "owner.mfg@demo.lodestar", "Wang Qiang 王强", lodestar.RoleBusinessOwner},
	{"logistics", "owner.logistics@demo.lodestar", "Zhou Jie 周杰", lodestar.RoleBusinessOwner},
	{"finance", "owner.finance@demo.lodestar", "Sun Li 孙丽", lodestar.RoleBusinessOwner},
	{"ecom", "owner.ecom@demo.lodestar", "Wu Lei 吴磊", lodestar.RoleBusinessOwner},
	{"fmcg", "owner.fmcg@demo.lodestar", "Zheng Yan 郑燕", lodestar.RoleBusinessOwner},
	{"service", "owner.service@demo.lodestar", "Huang Min 黄敏", lodestar.RoleBusinessOwner},
	{"ml", "ml.lead@demo.lodestar", "Zhang Hao 张浩", lodestar.RoleAITeam},
	{"risk", "risk@demo.lodestar", "Wang Fang 王芳", lodestar.RoleRiskOfficer},
	{"data", "data@demo.lodestar", "Liu Yang 刘洋", lodestar.RoleDataSteward},
	{"viewer", "viewer@demo.lodestar", "Zhao Min 赵敏", lodestar.RoleViewer},
}

// UserList names the demo users for the start-up message.
func UserList() string {
	var parts []string
	for _, u := range users {
		parts = append(parts, u.email+" ("+string(u.role)+")")
	}
	return strings.Join(parts, ", ")
}

type unit struct{ key, en, zh, parent string }

var units = []unit{
	{"hq", "Group", "集团总部", ""},
	{"retail", "Retail", "零售", "hq"},
	{"mfg", "Manufacturing", "制造", "hq"},
	{"logistics", "Logistics", "物流", "hq"},
	{"finance", "Finance", "金融", "hq"},
	{"ecom", "E-commerce", "电商", "hq"},
	{"fmcg", "FMCG", "快消", "hq"},
	{"service", "Customer service", "客户服务", "hq"},
	{"retail-east", "Retail East China", "华东零售", "retail"},
	{"retail-south", "Retail South China", "华南零售", "retail"},
	{"retail-north", "Retail North China", "华北零售", "retail"},
}

type goal struct{ key, unit, en, zh, horizon, owner string }

var goals = []goal{
	{"sales", "retail", "Grow same-store sales", "提升同店销售", "year", "retail"},
	{"downtime", "mfg", "Cut unplanned downtime", "降低非计划停机", "year", "mfg"},
	{"delivery", "logistics", "Lower the cost per delivery", "降低单票配送成本", "year", "logistics"},
	{"credit", "finance", "Reduce credit losses without losing good customers", "降低信贷损失且不流失优质客户", "year", "finance"},
	{"conversion", "ecom", "Raise online conversion", "提升线上转化率", "year", "ecom"},
	{"peak", "fmcg", "Win the peak marketing season", "赢得营销旺季", "quarter", "fmcg"},
	{"service", "service", "Answer customers faster", "提升客户服务响应速度", "year", "service"},
	{"cost", "hq", "Take 5% out of operating cost", "运营成本降低 5%", "three_years", "ceo"},
}

// kpi: its goal ("" for none), baseline and target, and how its readings
// move over the year: drift per week and noise.
type kpi struct {
	key, goal, en, zh, unit, dir string
	baseline, target             float64
	drift, noise                 float64
	// moves shape a story: from each move's week on, the weekly drift
	// is its drift (moves in week order).
	moves []move
}

// move: from week at, the KPI drifts by drift a week.
type move struct {
	at    int
	drift float64
}

var kpis = []kpi{
	// Both climb once the East China replenishment pilot goes live in week
	// 16: the pilot meets its targets and scales out in week 30.
	{"sellthrough", "sales", "Merchandising sell-through rate", "选品售罄率", "%", "up", 62, 70, 0.02, 0.4, []move{{16, 0.15}}},
	{"sss", "sales", "Same-store sales growth", "同店销售增长", "%", "up", 1.5, 4, 0.03, 0.3, nil},
	{"stockout", "sales", "Stock-out rate", "缺货率", "%", "down", 8, 4, -0.01, 0.3, []move{{16, -0.08}}},
	{"downtime", "downtime", "Unplanned downtime", "非计划停机时长", "h/month", "down", 120, 60, -0.2, 4, []move{{12, -1.3}}},
	// pdm 1.0's 82% slips as new equipment is commissioned (week 18 on;
	// its monitor shows the fall) and climbs toward 95% from the week
	// after the retrained 2.0, trained on the new equipment's data, goes
	// live in week 35.
	{"alert", "downtime", "Failure alert accuracy", "故障预警准确率", "%", "up", 82, 95, 0, 0.5, []move{{18, -0.4}, {36, 2.2}, {44, 0.3}}},
	{"cpd", "delivery", "Cost per delivery", "单票配送成本", "¥", "down", 8.6, 7.5, 0, 0.08, nil},
	{"ontime", "delivery", "On-time delivery", "准时送达率", "%", "up", 91, 96, 0.01, 0.4, nil},
	{"declined", "credit", "Good customers wrongly declined", "优质客户误拒率", "%", "down", 6, 2, 0.03, 0.2, nil},
	{"loss", "credit", "Credit loss rate", "信贷损失率", "%", "down", 2.1, 1.6, -0.004, 0.03, nil},
	// The recommender lifts conversion 15% once live (week 6: 3.2% to
	// about 3.68% by week 18), then gives part of it back as its accuracy
	// decays (week 26 on).
	{"conv", "conversion", "Online conversion rate", "线上转化率", "%", "up", 3.2, 3.8, 0, 0.04, []move{{6, 0.04}, {18, 0}, {26, -0.012}}},
	// The recommender's accuracy, as its model card and monitor measure
	// it, in percent: the old ranker's 74% rises to 3.1's 80% once it is
	// live (weeks 6 to 10), holds, then falls about 20% over the last six
	// months (week 26 on), as the monitor shows it falling 0.80 → 0.64.
	{"recacc", "conversion", "Recommendation accuracy", "推荐准确率", "%", "up", 74, 84, 0, 0.3, []move{{6, 1.5}, {10, 0}, {26, -0.64}}},
	{"roi", "peak", "Campaign return on spend", "营销活动投资回报", "x", "up", 2.4, 3, 0, 0.05, nil},
	{"frt", "service", "First response time", "首次响应时间", "s", "down", 180, 30, -0.5, 4, []move{{10, -3.2}}},
	{"csat", "service", "Customer satisfaction", "客户满意度", "/5", "up", 4.1, 4.5, 0.004, 0.03, nil},
	// The profile system's own measure serves no goal: the story's point.
	{"tags", "", "User-profile tag coverage", "用户画像标签覆盖率", "%", "up", 40, 90, 0.9, 0.5, nil},
}

type pain struct {
	key, unit, en, zh, cat, goal string
	cost                         int64
}

var pains = []pain{
	{"overstock", "retail", "Slow-moving stock ties up capital", "滞销库存占用资金", "cost", "sales", 18_000_000},
	{"stockouts", "retail", "Stock-outs on best sellers lose sales", "畅销品缺货导致销售损失", "revenue", "sales", 24_000_000},
	{"breakdowns", "mfg", "Unplanned line stoppages", "产线非计划停机", "cost", "downtime", 36_000_000},
	{"newequip", "mfg", "Failures on newly installed equipment go unpredicted", "新型设备故障无法预测", "risk", "downtime", 9_000_000},
	{"emptymiles", "logistics", "Empty and detour mileage", "空驶与绕路里程", "cost", "delivery", 15_000_000},
	{"latedelivery", "logistics", "Late deliveries and penalties", "延误交付与罚款", "experience", "delivery", 6_000_000},
	{"goodrejected", "finance", "Good customers declined as high-risk", "优质客户被误判为高风险", "revenue", "credit", 42_000_000},
	{"defaults", "finance", "Loan defaults", "贷款违约损失", "risk", "credit", 30_000_000},
	{"staleRecs", "ecom", "Recommendations miss what users want now", "推荐内容与用户当前兴趣脱节", "revenue", "conversion", 20_000_000},
	{"segments", "fmcg", "No agreed customer segmentation for campaigns", "营销活动缺乏统一的用户分群标准", "revenue", "peak", 12_000_000},
	{"waiting", "service", "Customers wait minutes for a first answer", "客户首次响应等待数分钟", "experience", "service", 8_000_000},
	{"manualwork", "hq", "Manual document processing in back office", "后台单据人工处理", "efficiency", "cost", 5_000_000},
}

// useCase is one demo initiative: where it stands and what it promises.
type useCase struct {
	en, zh, desc, unit, sponsor string
	stage                       string
	pains                       []string
	impacts                     map[string]float64 // KPI key → promised change
	value, cost                 int64
	feas                        [4]int
	tags                        []string
}

var useCases = []useCase{
	// The source's stories.
	{"Retail user-profile system", "零售用户画像系统",
		"Built at a cost of millions without a link to merchandising decisions; its 'high-value user' tags feed no product selection. 斥资百万搭建，但未结合选品需求，“高价值用户标签”与商品推荐逻辑脱节。",
		"retail", "retail", lodestar.StageOperating, nil, map[string]float64{"tags": 40}, 1_500_000, 2_000_000, [4]int{4, 4, 3, 3}, []string{"customer-data"}},
	{"Predictive maintenance for production lines", "设备预测性维护",
		"Predicts failures from vibration and temperature to cut unplanned downtime; retrained with the supplier's new-equipment data, alert accuracy rose from 82% to 95%. 基于振动与温度预测故障；联合供应商获取新设备数据再训练后，故障预警准确率从 82% 提升至 95%。",
		"mfg", "mfg", lodestar.StageScaling, []string{"breakdowns", "newequip"}, map[string]float64{"downtime": -50, "alert": 13}, 30_000_000, 4_000_000, [4]int{4, 4, 4, 3}, []string{"iot", "maintenance"}},
	{"Intelligent customer service agent", "智能客服",
		"Answers routine questions at once and hands the rest to people with context. 即时回答常见问题，复杂问题带上下文转人工。",
		"service", "service", lodestar.StageOperating, []string{"waiting"}, map[string]float64{"frt": -140, "csat": 0.3}, 9_000_000, 1_500_000, [4]int{4, 5, 4, 4}, []string{"llm", "service"}},
	{"Transport route optimisation", "运输路径优化",
		"Trained on years of transport logs that were never cleaned or labelled; training is slow and results unstable. 使用多年未清洗、无行业标签的运输数据训练，训练效率低、结果不稳定。",
		"logistics", "logistics", lodestar.StageAssessment, []string{"emptymiles"}, map[string]float64{"cpd": -0.8}, 12_000_000, 3_000_000, [4]int{1, 3, 3, 2}, []string{"optimisation"}},
	{"Credit risk scoring model", "信贷风控评分模型",
		"Trained on biased data, it flagged good customers as high-risk and lost them. 因训练数据偏差，误将优质客户标记为“高风险”，导致客户流失。",
		"finance", "finance", lodestar.StagePilot, []string{"goodrejected", "defaults"}, map[string]float64{"declined": -3, "loss": -0.4}, 40_000_000, 5_000_000, [4]int{3, 4, 4, 3}, []string{"credit", "fairness"}},
	{"Customer segmentation for campaigns", "营销用户分群",
		"Marketing and the AI team argued six months over the segmentation standard and missed the peak season. 市场部与 AI 团队就“用户分群标准”争执半年，错失营销旺季。",
		"fmcg", "fmcg", lodestar.StageAssessment, []string{"segments"}, map[string]float64{"roi": 0.5}, 10_000_000, 1_200_000, [4]int{3, 4, 2, 3}, []string{"marketing"}},
	{"Regional smart replenishment (East China pilot)", "区域智能补货（华东试点）",
		"Piloted in East China, proven, then replicated unit by unit. 先在华东试点验证价值，再逐个区域复制。",
		"retail-east", "retail", lodestar.StageScaling, []string{"stockouts", "overstock"}, map[string]float64{"stockout": -3.5, "sellthrough": 5}, 25_000_000, 3_000_000, [4]int{4, 4, 4, 4}, []string{"replenishment", "pilot"}},
	{"E-commerce recommender", "电商推荐系统",
		"Lifted conversion by 15%, then lost 20% accuracy in six months as users moved to short video and the model was not updated. 曾将转化率提升 15%，但因未及时更新模型（忽略短视频带来的用户行为变化），半年后推荐准确率下降 20%。",
		"ecom", "ecom", lodestar.StageOperating, []string{"staleRecs"}, map[string]float64{"recacc": 6, "conv": 0.5}, 28_000_000, 4_000_000, [4]int{5, 4, 4, 4}, []string{"recommendation"}},
	// The rest of the portfolio.
	{"Smart replenishment: South China rollout", "智能补货：华南推广", "Replicating the East China playbook. 复制华东经验。", "retail-south", "retail", lodestar.StagePilot, []string{"stockouts"}, map[string]float64{"stockout": -3}, 18_000_000, 2_000_000, [4]int{4, 4, 3, 4}, []string{"replenishment", "replication"}},
	{"Smart replenishment: North China rollout", "智能补货：华北推广", "Next in line after South China. 华南之后的下一站。", "retail-north", "retail", lodestar.StageApproved, []string{"stockouts"}, map[string]float64{"stockout": -2.5}, 15_000_000, 2_000_000, [4]int{3, 4, 3, 4}, []string{"replenishment", "replication"}},
	{"Demand forecasting for fresh food", "生鲜需求预测", "", "retail", "retail", lodestar.StagePilot, []string{"overstock"}, map[string]float64{"sellthrough": 4}, 14_000_000, 2_500_000, [4]int{3, 3, 4, 3}, []string{"forecasting"}},
	{"Shelf image recognition", "货架图像识别", "", "retail", "retail", lodestar.StageIdea, []string{"stockouts"}, map[string]float64{"stockout": -1}, 6_000_000, 2_000_000, [4]int{2, 3, 2, 2}, []string{"vision"}},
	{"Dynamic markdown pricing", "动态折扣定价", "", "retail", "retail", lodestar.StageAssessment, []string{"overstock"}, map[string]float64{"sellthrough": 3, "sss": 0.5}, 11_000_000, 1_800_000, [4]int{3, 3, 3, 3}, []string{"pricing"}},
	{"Store staffing forecast", "门店排班预测", "", "retail", "", lodestar.StageIdea, nil, nil, 3_000_000, 600_000, [4]int{3, 3, 3, 3}, []string{"workforce"}},
	{"Visual quality inspection", "视觉质检", "", "mfg", "mfg", lodestar.StagePilot, []string{"breakdowns"}, map[string]float64{"downtime": -8}, 9_000_000, 2_200_000, [4]int{3, 4, 3, 3}, []string{"vision", "quality"}},
	{"Energy optimisation of furnaces", "窑炉能耗优化", "", "mfg", "mfg", lodestar.StageApproved, []string{"breakdowns"}, nil, 7_000_000, 1_500_000, [4]int{3, 3, 3, 2}, []string{"energy"}},
	{"Spare-parts inventory optimisation", "备件库存优化", "", "mfg", "mfg", lodestar.StageIdea, []string{"breakdowns"}, map[string]float64{"downtime": -5}, 4_000_000, 800_000, [4]int{2, 4, 3, 3}, nil},
	{"Digital twin of the paint shop", "涂装车间数字孪生", "", "mfg", "", lodestar.StageRejected, nil, nil, 20_000_000, 15_000_000, [4]int{1, 2, 1, 1}, []string{"digital-twin"}},
	{"Dock scheduling", "月台排程", "", "logistics", "logistics", lodestar.StageApproved, []string{"latedelivery"}, map[string]float64{"ontime": 2}, 5_000_000, 900_000, [4]int{3, 4, 3, 3}, nil},
	{"Delivery time estimation", "送达时间预估", "", "logistics", "logistics", lodestar.StagePilot, []string{"latedelivery"}, map[string]float64{"ontime": 3}, 6_000_000, 1_000_000, [4]int{3, 4, 4, 3}, []string{"eta"}},
	{"Warehouse pick-path optimisation", "仓库拣货路径优化", "", "logistics", "logistics", lodestar.StageIdea, []string{"emptymiles"}, map[string]float64{"cpd": -0.2}, 3_500_000, 700_000, [4]int{2, 4, 3, 3}, nil},
	{"Truck load planning", "车辆装载规划", "", "logistics", "logistics", lodestar.StageRetired, []string{"emptymiles"}, map[string]float64{"cpd": -0.3}, 4_000_000, 1_000_000, [4]int{3, 4, 3, 3}, nil},
	{"Anti-fraud transaction monitoring", "交易反欺诈监测", "", "finance", "finance", lodestar.StageOperating, []string{"defaults"}, map[string]float64{"loss": -0.3}, 22_000_000, 3_500_000, [4]int{4, 4, 4, 4}, []string{"fraud"}},
	{"Collections prioritisation", "催收优先级排序", "", "finance", "finance", lodestar.StageAssessment, []string{"defaults"}, map[string]float64{"loss": -0.1}, 6_000_000, 900_000, [4]int{3, 4, 3, 3}, nil},
	{"Invoice and receipt OCR", "发票与单据识别", "", "hq", "ceo", lodestar.StageOperating, []string{"manualwork"}, nil, 3_000_000, 600_000, [4]int{4, 5, 4, 4}, []string{"ocr", "back-office"}},
	{"Contract clause review assistant", "合同条款审查助手", "", "hq", "ceo", lodestar.StageIdea, []string{"manualwork"}, nil, 2_000_000, 500_000, [4]int{3, 3, 2, 3}, []string{"llm"}},
	{"Search ranking with short-video signals", "融合短视频信号的搜索排序", "", "ecom", "ecom", lodestar.StageApproved, []string{"staleRecs"}, map[string]float64{"conv": 0.2, "recacc": 3}, 12_000_000, 2_000_000, [4]int{4, 4, 3, 3}, []string{"search"}},
	{"Personalised coupons", "个性化优惠券", "", "ecom", "ecom", lodestar.StagePilot, []string{"staleRecs"}, map[string]float64{"conv": 0.15}, 8_000_000, 1_500_000, [4]int{4, 4, 3, 4}, []string{"marketing"}},
	{"Product description generation", "商品描述生成", "", "ecom", "ecom", lodestar.StageAssessment, nil, map[string]float64{"conv": 0.05}, 2_500_000, 400_000, [4]int{4, 4, 3, 4}, []string{"llm", "content"}},
	{"Live-stream sales assistant", "直播带货助手", "", "ecom", "", lodestar.StageIdea, nil, nil, 5_000_000, 1_500_000, [4]int{2, 2, 2, 2}, []string{"llm"}},
	{"Promotion uplift modelling", "促销增量建模", "", "fmcg", "fmcg", lodestar.StageApproved, []string{"segments"}, map[string]float64{"roi": 0.3}, 9_000_000, 1_000_000, [4]int{3, 4, 3, 3}, []string{"marketing"}},
	{"Distributor sell-out forecasting", "经销商动销预测", "", "fmcg", "fmcg", lodestar.StageIdea, []string{"segments"}, nil, 6_000_000, 1_200_000, [4]int{2, 3, 3, 2}, []string{"forecasting"}},
	{"Social listening for new flavours", "新口味社交聆听", "", "fmcg", "fmcg", lodestar.StageRejected, nil, nil, 1_000_000, 800_000, [4]int{3, 3, 2, 3}, []string{"nlp"}},
	{"Agent assist with suggested replies", "坐席辅助回复建议", "", "service", "service", lodestar.StagePilot, []string{"waiting"}, map[string]float64{"frt": -20}, 4_000_000, 700_000, [4]int{4, 4, 4, 4}, []string{"llm", "service"}},
	{"Complaint topic clustering", "投诉主题聚类", "", "service", "service", lodestar.StageAssessment, []string{"waiting"}, map[string]float64{"csat": 0.1}, 1_500_000, 300_000, [4]int{4, 4, 3, 4}, []string{"nlp"}},
	{"Voice call quality scoring", "通话质检评分", "", "service", "service", lodestar.StageIdea, nil, map[string]float64{"csat": 0.1}, 1_200_000, 400_000, [4]int{3, 3, 3, 3}, nil},
	{"Churn early warning", "客户流失预警", "", "service", "", lodestar.StageIdea, []string{"waiting"}, map[string]float64{"csat": 0.05}, 3_000_000, 600_000, [4]int{3, 3, 3, 3}, nil},
	{"Group AI knowledge base", "集团 AI 知识库", "", "hq", "ceo", lodestar.StageAssessment, []string{"manualwork"}, nil, 2_500_000, 1_000_000, [4]int{3, 4, 3, 3}, []string{"llm"}},
	{"Procurement spend analytics", "采购支出分析", "", "hq", "ceo", lodestar.StageApproved, []string{"manualwork"}, nil, 4_000_000, 700_000, [4]int{4, 4, 3, 3}, nil},
	{"Warehouse safety camera analytics", "仓库安全视频分析", "", "logistics", "", lodestar.StageIdea, nil, nil, 1_000_000, 500_000, [4]int{2, 3, 2, 2}, []string{"vision"}},
}

// Weeks is how many weekly readings each KPI gets: a year.
const Weeks = 52

// Load fills an empty database with the demo enterprise and returns how
// many records it created. It does nothing when the demo was loaded whole
// before, or when the database holds use cases of its own (real data is
// never mixed with the demo); it returns ErrPartial when it finds part of
// the demo from a load that was interrupted.
// setNow moves the store's clock, so the story's stage changes happen on
// the dates they would have; the caller restores it. Demo users get
// password.
func Load(ctx context.Context, svc Services, setNow func(time.Time), password string) (int, error) {
	if done, err := svc.DemoLoaded(ctx); err != nil || done {
		return 0, err
	}
	if _, err := svc.FindUserByEmail(ctx, users[0].email); err == nil {
		return 0, ErrPartial // its first step ran, its last did not
	} else if lodestar.ErrorCode(err) != lodestar.ENotFound {
		return 0, err
	}
	_, total, err := svc.FindUseCases(ctx, lodestar.UseCaseFilter{Limit: 1})
	if err != nil || total > 0 {
		return 0, err
	}
	now := time.Now().UTC()
	start := now.AddDate(0, 0, -7*Weeks).Truncate(24 * time.Hour)
	week := func(w int) time.Time { return start.AddDate(0, 0, 7*w).Add(10 * time.Hour) }
	setNow(start)
	l := &loader{ctx: ctx, svc: svc, users: map[string]int64{}, units: map[string]int64{}, goals: map[string]int64{},
		kpis: map[string]int64{}, pains: map[string]int64{}}
	l.run(func() error { return l.loadUsers(password) })
	l.run(l.loadUnits)
	l.run(l.loadGoalsKPIs)
	l.run(l.loadPains)
	l.run(func() error { return l.loadUseCases(week, setNow) })
	l.run(func() error { return l.loadModels(week, setNow) })
	l.run(func() error { return l.loadEvidence(week, setNow) })
	l.run(func() error { return l.loadCreditMonitoring(week, setNow) })
	l.run(func() error { return l.loadExperiments(week, setNow) })
	setNow(now)
	// A reading is dated no later than the day it is recorded: the
	// year's readings come in today, as an import of the KPIs' history.
	l.run(func() error { return l.loadReadings(start) })
	l.run(func() error { return l.loadMonitoring(now, setNow) })
	l.run(func() error { return l.loadPdmLive(now, setNow) })
	l.run(func() error { return svc.MarkDemoLoaded(ctx) })
	return l.n, l.err
}

type loader struct {
	ctx                              context.Context
	svc                              Services
	users, units, goals, kpis, pains map[string]int64
	useCases                         map[string]int64 // by English title
	// stageAt is when each use case (by English title) entered each
	// stage: what its models' dates follow.
	stageAt map[string]map[string]time.Time
	pdmLive time.Time // when pdm 2.0 went live
	n       int
	err     error
}

func (l *loader) run(step func() error) {
	if l.err == nil {
		l.err = step()
	}
}

func (l *loader) loadUsers(password string) error {
	for _, u := range users {
		created, err := l.svc.CreateUser(l.ctx, lodestar.NewUser{Email: u.email, Name: u.name, Role: u.role, Password: password})
		if lodestar.ErrorCode(err) == lodestar.EConflict {
			if created, err = l.svc.FindUserByEmail(l.ctx, u.email); err != nil {
				return err
			}
		} else if err != nil {
			return fmt.Errorf("user %s: %w", u.email, err)
		} else {
			l.n++
		}
		l.users[u.key] = created.ID
	}
	return nil
}

func (l *loader) loadUnits() error {
	for _, u := range units {
		b, err := l.svc.CreateBusinessUnit(l.ctx, lodestar.BusinessUnit{Name: u.en, NameZH: u.zh, ParentID: l.units[u.parent]})
		if err != nil {
			return fmt.Errorf("unit %s: %w", u.en, err)
		}
		l.units[u.key] = b.ID
		l.n++
	}
	return nil
}

func (l *loader) loadGoalsKPIs() error {
	for _, g := range goals {
		created, err := l.svc.CreateGoal(l.ctx, lodestar.Goal{Title: g.en, TitleZH: g.zh, BusinessUnitID: l.units[g.unit],
			OwnerID: l.users[g.owner], Horizon: g.horizon, Status: "active"})
		if err != nil {
			return fmt.Errorf("goal %s: %w", g.en, err)
		}
		l.goals[g.key] = created.ID
		l.n++
	}
	target := time.Now().UTC().AddDate(0, 6, 0).Format(time.DateOnly)
	for _, k := range kpis {
		created, err := l.svc.CreateKPI(l.ctx, lodestar.KPI{GoalID: l.goals[k.goal], Name: k.en, NameZH: k.zh, Unit: k.unit,
			Direction: k.dir, Baseline: k.baseline, Target: k.target, TargetDate: target})
		if err != nil {
			return fmt.Errorf("kpi %s: %w", k.en, err)
		}
		l.kpis[k.key] = created.ID
		l.n++
	}
	return nil
}

// loadReadings writes a year of weekly readings per KPI: a seeded random
// walk around the KPI's story, so the demo is the same every time.
func (l *loader) loadReadings(start time.Time) error {
	rng := rand.New(rand.NewPCG(2025, 5))
	for _, k := range kpis {
		var rs []lodestar.KPIReading
		v := k.baseline
		for w := 0; w < Weeks; w++ {
			d := k.drift
			for _, m := range k.moves {
				if w >= m.at {
					d = m.drift
				}
			}
			v += d
			val := v + rng.NormFloat64()*k.noise
			rs = append(rs, lodestar.KPIReading{Date: start.AddDate(0, 0, 7*w).Format(time.DateOnly), Value: math.Round(val*100) / 100})
		}
		if _, err := l.svc.AddReadings(l.ctx, l.kpis[k.key], rs); err != nil {
			return fmt.Errorf("readings %s: %w", k.en, err)
		}
		l.n += len(rs)
	}
	return nil
}

func (l *loader) loadPains() error {
	for _, p := range pains {
		created, err := l.svc.CreatePainPoint(l.ctx, lodestar.PainPoint{BusinessUnitID: l.units[p.unit], Title: p.en, TitleZH: p.zh,
			Category: p.cat, AnnualCost: p.cost, GoalID: l.goals[p.goal]})
		if err != nil {
			return fmt.Errorf("pain point %s: %w", p.en, err)
		}
		l.pains[p.key] = created.ID
		l.n++
	}
	return nil
}

// path is the lifecycle walked to reach each stage, with the reason
// given at each step.
var path = map[string][]string{
	lodestar.StageIdea:       nil,
	lodestar.StageAssessment: {lodestar.StageAssessment},
	lodestar.StageApproved:   {lodestar.StageAssessment, lodestar.StageApproved},
	lodestar.StagePilot:      {lodestar.StageAssessment, lodestar.StageApproved, lodestar.StagePilot},
	lodestar.StageScaling:    {lodestar.StageAssessment, lodestar.StageApproved, lodestar.StagePilot, lodestar.StageScaling},
	lodestar.StageOperating:  {lodestar.StageAssessment, lodestar.StageApproved, lodestar.StagePilot, lodestar.StageScaling, lodestar.StageOperating},
	lodestar.StageRejected:   {lodestar.StageAssessment, lodestar.StageRejected},
	lodestar.StageRetired:    {lodestar.StageAssessment, lodestar.StageApproved, lodestar.StagePilot, lodestar.StageScaling, lodestar.StageOperating, lodestar.StageRetired},
}

var reasons = map[string]string{
	lodestar.StageAssessment: "Business case submitted for assessment · 提交业务论证，进入评估",
	lodestar.StageApproved:   "AI committee approved the business case · AI 委员会批准立项",
	lodestar.StagePilot:      "Pilot started with one team · 启动小范围试点",
	lodestar.StageScaling:    "Pilot met its KPI targets; scaling out · 试点达成 KPI 目标，开始推广",
	lodestar.StageOperating:  "Handed over to operations · 移交运营",
	lodestar.StageRejected:   "Value does not justify the cost · 价值不足以覆盖成本",
	lodestar.StageRetired:    "Replaced by a newer solution · 已被新方案取代",
}

// stageActor is the demo user who moves a use case into a stage: its
// sponsor (else its unit's owner) submits it for assessment and scales it
// out, the CEO on the AI committee approves or rejects it, the AI lead
// starts its pilot and hands it over to operations, and its sponsor
// retires it.
func stageActor(u useCase, to string) string {
	owner := u.sponsor
	if owner == "" {
		owner = u.unit
		if !slices.ContainsFunc(users, func(d demoUser) bool { return d.key == owner }) {
			owner = "ml"
		}
	}
	switch to {
	case lodestar.StageApproved, lodestar.StageRejected:
		return "ceo"
	case lodestar.StagePilot, lodestar.StageOperating:
		return "ml"
	}
	return owner
}

// as is the loader's context acting as the demo user key.
func (l *loader) as(key string) context.Context {
	for _, u := range users {
		if u.key == key {
			return lodestar.WithActor(l.ctx, lodestar.Actor{ID: l.users[key], Label: u.email, Role: u.role})
		}
	}
	return l.ctx
}

// loadUseCases creates each use case at the start of the year and walks
// it through its stages on its dates (stageWeeks).
func (l *loader) loadUseCases(week func(int) time.Time, setNow func(time.Time)) error {
	for i, u := range useCases {
		setNow(week(0).Add(time.Duration(i) * time.Minute))
		in := lodestar.NewUseCase{Title: u.en, TitleZH: u.zh, Description: u.desc, BusinessUnitID: l.units[u.unit],
			SponsorID: l.users[u.sponsor], AILeadID: l.users["ml"], ValueEstimate: u.value, CostEstimate: u.cost,
			Feasibility: lodestar.Feasibility{DataReadiness: u.feas[0], TechnicalMaturity: u.feas[1], Skills: u.feas[2], Integration: u.feas[3]},
			Tags:        u.tags}
		for _, p := range u.pains {
			in.PainPointIDs = append(in.PainPointIDs, l.pains[p])
		}
		for _, k := range kpis { // stable order
			if ch, ok := u.impacts[k.key]; ok {
				in.Impacts = append(in.Impacts, lodestar.Impact{KPIID: l.kpis[k.key], Change: ch, Confidence: 0.6})
			}
		}
		created, err := l.svc.CreateUseCase(l.ctx, in)
		if err != nil {
			return fmt.Errorf("use case %s: %w", u.en, err)
		}
		if l.useCases == nil {
			l.useCases, l.stageAt = map[string]int64{}, map[string]map[string]time.Time{}
		}
		l.useCases[u.en] = created.ID
		l.n++
		steps := path[u.stage]
		weeks := stageWeeks[u.en]
		if len(weeks) != len(steps) {
			return fmt.Errorf("use case %s: %d stage weeks for %d stages", u.en, len(weeks), len(steps))
		}
		l.stageAt[u.en] = map[string]time.Time{}
		for j, to := range steps {
			at := week(weeks[j]).Add(time.Duration(i) * time.Minute)
			setNow(at)
			if _, err := l.svc.ChangeStage(l.as(stageActor(u, to)), created.ID, to, reasons[to]); err != nil {
				return fmt.Errorf("use case %s to %s: %w", u.en, to, err)
			}
			l.stageAt[u.en][to] = at
			if rt, ok := riskTiers[u.en]; ok && to == lodestar.StageApproved {
				// The risk officer assesses it before its pilot starts.
				setNow(at.AddDate(0, 0, 3))
				if _, err := l.svc.SetRiskTier(l.as("risk"), created.ID, rt.tier, rt.why); err != nil {
					return fmt.Errorf("use case %s risk tier: %w", u.en, err)
				}
			}
		}
	}
	return nil
}

// riskTiers are the EU AI Act tiers the risk officer gave the use cases
// that went live (pilot or later), each days after its approval and
// before its pilot, and why; the rest are not yet assessed.
var riskTiers = map[string]struct{ tier, why string }{
	"Credit risk scoring model": {"high", "Scores the creditworthiness of people applying for loans: high-risk under the EU AI Act (Annex III 5(b)). " +
		"评估贷款申请人的信用：属于欧盟《人工智能法》高风险系统（附件三第 5(b) 项）。"},
	"Intelligent customer service agent": {"limited", "Customers chat with it: they must be told they are talking to an AI (EU AI Act Art. 50). " +
		"客户直接与其对话：须告知客户对方是 AI（欧盟《人工智能法》第 50 条）。"},
	"Anti-fraud transaction monitoring": {"minimal", "Detects fraudulent transactions, which Annex III 5(b) excepts from credit scoring; it decides nothing about people alone. " +
		"识别欺诈交易，附件三第 5(b) 项明确将其排除在信用评分之外；不单独对个人作出决定。"},
	"Retail user-profile system": {"minimal", "Tags shoppers for merchandising; no Annex III use. Personal data is covered by the PIPL review, not the AI Act tier. " +
		"为选品给顾客打标签，不属附件三用途；个人信息另按《个人信息保护法》评估。"},
	"Personalised coupons":   {"minimal", "Chooses which coupons shoppers see; no Annex III use. 决定顾客看到哪些优惠券，不属附件三用途。"},
	"E-commerce recommender": {"minimal", "Ranks products on the home feed; no Annex III use. 首页商品排序，不属附件三用途。"},
	"Predictive maintenance for production lines": {"minimal", "Predicts equipment failures for maintenance planning; not a safety component, no Annex III use. " +
		"为维护计划预测设备故障；非安全部件，不属附件三用途。"},
	"Visual quality inspection":                       {"minimal", "Flags defective parts for people to check; no Annex III use. 标出疑似缺陷件供人工复检，不属附件三用途。"},
	"Regional smart replenishment (East China pilot)": {"minimal", "Forecasts store demand for replenishment orders; no decisions about people. 预测门店需求以生成补货单，不涉及对个人的决定。"},
	"Smart replenishment: South China rollout":        {"minimal", "As East China's: forecasts store demand; no decisions about people. 同华东：预测门店需求，不涉及对个人的决定。"},
	"Demand forecasting for fresh food":               {"minimal", "Forecasts fresh-food demand; no decisions about people. 预测生鲜需求，不涉及对个人的决定。"},
	"Delivery time estimation":                        {"minimal", "Estimates parcel arrival times; no decisions about people. 预估包裹送达时间，不涉及对个人的决定。"},
	"Invoice and receipt OCR":                         {"minimal", "Reads invoices for the back office; no Annex III use. 为后台识别发票，不属附件三用途。"},
	"Agent assist with suggested replies":             {"minimal", "Suggests replies that agents review and send themselves; no Annex III use. 为坐席建议回复，由坐席审核后发送，不属附件三用途。"},
}

// stageWeeks is the week of the demo's year each use case entered each
// stage of its path (see path), in order; every use case past idea has
// one. Each has its own dates, told by its story: the regional
// replenishment pilot proves itself in East China before South China
// starts, and North China is approved only once South China's pilot runs.
// The story use cases' models follow these dates (see versionDates).
var stageWeeks = map[string][]int{
	"Retail user-profile system": {1, 2, 4, 10, 16},
	// Pilot from late January; the retrained 2.0 goes live in week 35
	// and, with the alert accuracy KPI climbing, it scales out in week 42.
	"Predictive maintenance for production lines": {2, 4, 8, 42},
	"Intelligent customer service agent":          {1, 3, 6, 14, 24},
	// Stuck in assessment on uncleaned transport logs.
	"Transport route optimisation": {14},
	// The scorer's pilot starts at the end of June; the risk officer
	// switches its model off in week 50.
	"Credit risk scoring model": {24, 27, 30},
	// Argued over for months, past the peak season.
	"Customer segmentation for campaigns": {8},
	// The East China pilot runs from March; scaling out once its KPIs moved.
	"Regional smart replenishment (East China pilot)": {6, 9, 16, 30},
	// Live in January, in production well before its monitor's six
	// months of decay (week 26 on).
	"E-commerce recommender":                   {1, 3, 6, 12, 20},
	"Smart replenishment: South China rollout": {26, 32, 40},
	"Smart replenishment: North China rollout": {38, 46},
	"Demand forecasting for fresh food":        {18, 26, 36},
	"Dynamic markdown pricing":                 {33},
	"Visual quality inspection":                {20, 27, 34},
	"Energy optimisation of furnaces":          {29, 37},
	"Digital twin of the paint shop":           {9, 15},
	"Dock scheduling":                          {31, 39},
	"Delivery time estimation":                 {22, 30, 38},
	"Truck load planning":                      {1, 2, 3, 8, 14, 45},
	"Anti-fraud transaction monitoring":        {1, 2, 5, 11, 19},
	"Collections prioritisation":               {42},
	"Invoice and receipt OCR":                  {3, 5, 10, 17, 28},
	"Search ranking with short-video signals":  {40, 47},
	"Personalised coupons":                     {25, 31, 40},
	"Product description generation":           {44},
	"Promotion uplift modelling":               {21, 28},
	"Social listening for new flavours":        {12, 17},
	"Agent assist with suggested replies":      {19, 24, 30},
	"Complaint topic clustering":               {36},
	"Group AI knowledge base":                  {47},
	"Procurement spend analytics":              {35, 43},
}

// demoModel is a registered model with its versions, oldest first; the
// last is in production unless retired is set.
type demoModel struct {
	useCase, key, name string
	versions           []lodestar.ModelVersion
	// live are the weeks each later version goes into production (the
	// first goes live with its use case's pilot; see versionDates), so
	// that a story's KPI moves when its model changes.
	live []int
}

var models = []demoModel{
	{"Credit risk scoring model", "credit-risk", "Credit risk scorer · 信贷风险评分", []lodestar.ModelVersion{{Version: "2.3", Card: lodestar.ModelCard{
		IntendedUse:           "Score personal-loan applicants for default risk. 评估个人贷款申请人的违约风险。",
		OutOfScopeUse:         "Small-business lending; final decisions without human review. 小微企业贷款；无人工复核的最终决定。",
		TrainingData:          "2019–2021 loan book; under-represents young applicants without credit history. 2019–2021 年贷款数据；缺少无信用记录的年轻申请人。",
		EvaluationMetrics:     map[string]float64{"auc": 0.81, "recall_default": 0.74},
		Limitations:           "Flags good customers with thin credit files as high-risk. 将信用记录薄的优质客户误判为高风险。",
		EthicalConsiderations: "Disparate impact by age group; see the fairness audit. 不同年龄组存在差别影响；见公平性审计。"},
		Provenance: demoProvenance("credit-risk", "2.3", "model.txt", "4e1c9a07d2b3f58a6c10e9d4b7a2c3f1e0d9b8a7")}}, nil},
	{"E-commerce recommender", "recsys", "Product recommender · 商品推荐", []lodestar.ModelVersion{{Version: "3.1", Card: lodestar.ModelCard{
		IntendedUse:       "Rank products on the home feed. 首页商品排序。",
		TrainingData:      "Clicks and orders before the move to short video. 短视频兴起前的点击与订单数据。",
		EvaluationMetrics: map[string]float64{"ndcg_at_10": 0.42, "accuracy": recLaunchAccuracy},
		Limitations:       "Trained before short video took off; shifts in browsing behaviour need retraining. 训练数据早于短视频兴起；用户行为变化后需再训练。"},
		Provenance: demoProvenance("recsys", "3.1", "model.xgb", "9b2f4e6a1c8d0e3f5a7b9c1d2e4f6a8b0c2d4e6f")}}, nil},
	{"Predictive maintenance for production lines", "pdm", "Failure predictor · 故障预测", []lodestar.ModelVersion{
		{Version: "1.0", Card: lodestar.ModelCard{IntendedUse: "Predict line failures 48 h ahead. 提前 48 小时预测产线故障。",
			TrainingData: "Three years of vibration and temperature logs from the existing lines. 现有产线三年的振动与温度记录。",
			// accuracy is the name the monitor gives alert accuracy: a
			// retraining task compares its before with the new card's after.
			EvaluationMetrics: map[string]float64{"alert_accuracy": pdmAccuracy, "accuracy": pdmAccuracy},
			Limitations:       "Trained on the existing lines' equipment only; not validated on new equipment types. 仅用现有设备数据训练，未在新型设备上验证。"},
			Provenance: demoProvenance("pdm", "1.0", "model.onnx", "1a3c5e7f9b0d2f4a6c8e0b1d3f5a7c9e2b4d6f80")},
		{Version: "2.0", Card: lodestar.ModelCard{IntendedUse: "Predict line failures 48 h ahead. 提前 48 小时预测产线故障。",
			TrainingData:      "Adds the supplier's data from the new equipment. 加入供应商提供的新设备数据。",
			EvaluationMetrics: map[string]float64{"alert_accuracy": 0.95, "accuracy": 0.95}},
			Provenance: demoProvenance("pdm", "2.0", "model.onnx", "7d9f1b3e5a7c9e0b2d4f6a8c1e3b5d7f9a0c2e4b")}},
		// 2.0 goes live in week 35; the alert accuracy KPI (changeAt 36)
		// climbs from the week after, 82% toward 95%.
		[]int{35}},
}

// demoProvenance is a demo version's provenance: its artifact in the
// demo's bucket, the SHA-256 of fixed bytes that name it (the demo has
// no model files), the commit that trained it and an MLflow run ID made
// the same way, so the demo is the same every time.
func demoProvenance(key, version, file, commit string) lodestar.Provenance {
	artifact := sha256.Sum256([]byte("lodestar demo artifact " + key + " " + version))
	run := sha256.Sum256([]byte("lodestar demo run " + key + " " + version))
	return lodestar.Provenance{ArtifactURI: "s3://lodestar-demo-models/" + key + "/" + version + "/" + file,
		ArtifactSHA256: hex.EncodeToString(artifact[:]), SourceCommit: commit, TrainingRun: hex.EncodeToString(run[:16])}
}

// versionDates says when a model's version j is registered, passes its
// offline evaluation (staging) and goes into production: the first
// version is registered in the week before its use case's pilot starts
// and goes live a week into the pilot, on the pilot's traffic; a later
// one goes live in its week of dm.live, registered two weeks and staged
// one week before.
func (l *loader) versionDates(dm demoModel, j int, week func(int) time.Time) (registered, staged, live time.Time, err error) {
	if j == 0 {
		pilot, ok := l.stageAt[dm.useCase][lodestar.StagePilot]
		if !ok {
			return registered, staged, live, fmt.Errorf("model %s: its use case never entered pilot", dm.key)
		}
		return pilot.AddDate(0, 0, -6), pilot.AddDate(0, 0, -2), pilot.AddDate(0, 0, 7), nil
	}
	w := dm.live[j-1]
	return week(w - 2), week(w - 1), week(w), nil
}

// liveReason is why version j of a demo model went into production: the
// demo runs no A/B test on these versions (the recommender's experiments
// test the versions after them) and records no committee decision, so
// each says what did happen — its offline evaluation and the sponsor's
// sign-off, and for a retrained version the task it answers.
func liveReason(j int) string {
	if j == 0 {
		return "Offline evaluation passed; live on the pilot's traffic with the sponsor's sign-off · 离线评估通过；经发起人签字，在试点流量上线"
	}
	return "Retrained on the new data; offline evaluation passed and the sponsor signed off; answers the open retraining task · " +
		"已用新数据再训练；离线评估通过，发起人签字同意；回应未关闭的再训练任务"
}

// loadModels registers the demo's models and walks their versions to
// production on their use cases' timelines (a version replaced by a
// newer one retires when the newer goes live), and has the risk officer
// switch the bank's credit model off.
func (l *loader) loadModels(week func(int) time.Time, setNow func(time.Time)) error {
	ml := lodestar.WithActor(l.ctx, lodestar.Actor{ID: l.users["ml"], Label: "ml.lead@demo.lodestar", Role: lodestar.RoleAITeam})
	for _, dm := range models {
		var previous *lodestar.ModelVersion
		var previousLive time.Time
		var m *lodestar.Model
		for j, v := range dm.versions {
			registered, staged, live, err := l.versionDates(dm, j, week)
			if err != nil {
				return err
			}
			setNow(registered)
			if m == nil {
				if m, err = l.svc.CreateModel(ml, lodestar.Model{UseCaseID: l.useCases[dm.useCase], Key: dm.key, Name: dm.name}); err != nil {
					return fmt.Errorf("model %s: %w", dm.key, err)
				}
				l.n++
			}
			created, err := l.svc.CreateModelVersion(ml, m.ID, v)
			if err != nil {
				return fmt.Errorf("model %s %s: %w", dm.key, v.Version, err)
			}
			l.n++
			steps := []struct {
				at      time.Time
				id      int64
				to, why string
			}{
				{staged, created.ID, lodestar.ModelStaging, "Offline evaluation passed · 离线评估通过"},
				{live, created.ID, lodestar.ModelProduction, liveReason(j)},
			}
			if previous != nil {
				steps = append(steps, struct {
					at      time.Time
					id      int64
					to, why string
				}{live.Add(time.Minute), previous.ID, lodestar.ModelRetired, "Replaced by the retrained version · 已由再训练版本取代"})
			}
			for _, st := range steps {
				if st.to == lodestar.ModelProduction && dm.key == "pdm" && previous != nil {
					// 1.0's monitor has watched it since it went live: its
					// accuracy falls on the new equipment and a retraining
					// task opens, which 2.0 going live closes.
					if err := l.loadPdmMonitoring(m, previousLive, live, setNow); err != nil {
						return err
					}
					l.pdmLive = st.at
				}
				setNow(st.at)
				if _, err := l.svc.SetModelVersionStatus(ml, st.id, st.to, st.why); err != nil {
					return fmt.Errorf("model %s to %s: %w", dm.key, st.to, err)
				}
			}
			previous, previousLive = created, live
		}
	}
	setNow(week(Weeks - 2))
	// On the model page, as the story has it: the flip history says so.
	risk := lodestar.WithActor(l.ctx, lodestar.Actor{ID: l.users["risk"], Label: "risk@demo.lodestar", Role: lodestar.RoleRiskOfficer, Via: lodestar.ViaWeb})
	_, err := l.svc.FlipSwitch(risk, "credit-risk", lodestar.SwitchOff, "",
		"Flags good customers as high-risk; the fairness audit shows the skew. Off until retrained. 误将优质客户标记为高风险，公平性审计显示偏差；重新训练前关闭。")
	return err
}
