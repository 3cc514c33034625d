// Package demo loads the demo enterprise through the services, never raw
// SQL, so the demo exercises the same validation and audit as real use.
// Names are bilingual; the use cases carry the source document's stories.
package demo

import (
	"context"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
)

// Services are what the demo writes through.
type Services interface {
	lodestar.UserService
	lodestar.UseCaseService
}

type demoUser struct {
	email, name string
	role        lodestar.Role
}

var users = []demoUser{
	{"ceo@demo.lodestar", "Chen Wei 陈伟 (CEO, AI committee chair)", lodestar.RoleCommittee},
	{"owner.retail@demo.lodestar", "Li Na 李娜 (Retail business owner)", lodestar.RoleBusinessOwner},
	{"ml.lead@demo.lodestar", "Zhang Hao 张浩 (AI lead)", lodestar.RoleAITeam},
	{"risk@demo.lodestar", "Wang Fang 王芳 (Risk officer)", lodestar.RoleRiskOfficer},
	{"data@demo.lodestar", "Liu Yang 刘洋 (Data steward)", lodestar.RoleDataSteward},
	{"viewer@demo.lodestar", "Zhao Min 赵敏 (Viewer)", lodestar.RoleViewer},
}

// UserList names the demo users for the start-up message.
func UserList() string {
	var parts []string
	for _, u := range users {
		parts = append(parts, u.email+" ("+string(u.role)+")")
	}
	return strings.Join(parts, ", ")
}

// useCases are the source's stories, one per path, as use cases; the
// strategy issue gives them business units, KPIs and stages.
var useCases = []lodestar.NewUseCase{
	{Title: "Retail user-profile system · 零售用户画像系统",
		Description: "Built at a cost of millions without a link to merchandising decisions; its profiles are not used. 斥资百万搭建的用户画像系统，未结合选品需求，画像无人使用。"},
	{Title: "Predictive maintenance for production lines · 设备预测性维护",
		Description: "Cuts unplanned downtime on the manufacturing lines; retrained on new-equipment data. 降低制造产线的非计划停机损失；已用新设备数据再训练。"},
	{Title: "Intelligent customer service · 智能客服",
		Description: "Answers routine service questions to shorten waiting times. 回答常见服务问题，缩短客户等待时间。"},
	{Title: "Transport route optimisation · 运输路径优化",
		Description: "Logistics models trained on large, uncleaned and unlabelled transport data. 物流模型使用海量未清洗、无行业标签的运输数据训练。"},
	{Title: "Credit risk scoring · 信贷风控评分",
		Description: "The risk model that flagged good customers as high-risk because of biased training data. 因训练数据偏差，误将优质客户标记为“高风险”的风控模型。"},
	{Title: "User segmentation for marketing · 营销用户分群",
		Description: "FMCG marketing and IT argued for six months over how to segment users. 快消企业市场部与 IT 部门就用户分群争论了六个月。"},
	{Title: "Regional smart replenishment · 区域智能补货",
		Description: "Piloted in one region, then replicated unit by unit. 先在单个区域试点，再逐个业务单元推广。"},
	{Title: "E-commerce recommender · 电商推荐系统",
		Description: "Lifted conversion 15%, then lost 20% accuracy in six months as user behaviour moved to short video. 转化率提升 15%，但半年后因用户行为转向短视频，推荐准确率下降 20%。"},
}

// Load fills an empty database with the demo enterprise and returns how
// many records it created; it does nothing when use cases already exist.
// When password is set, it also creates one demo user per role with it.
func Load(ctx context.Context, svc Services, password string) (int, error) {
	_, total, err := svc.FindUseCases(ctx, lodestar.UseCaseFilter{Limit: 1})
	if err != nil || total > 0 {
		return 0, err
	}
	n := 0
	if password != "" {
		for _, u := range users {
			if _, err := svc.CreateUser(ctx, lodestar.NewUser{Email: u.email, Name: u.name, Role: u.role, Password: password}); err != nil {
				if lodestar.ErrorCode(err) == lodestar.EConflict {
					continue
				}
				return n, err
			}
			n++
		}
	}
	for _, uc := range useCases {
		if _, err := svc.CreateUseCase(ctx, uc); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
