#!/usr/bin/env bash
# Printed by `make demo` before the server starts: where to go and how to log in as each role.
host=${1:-127.0.0.1}; port=${2:-8000}
cat <<TXT

================ UnionHub 演示平台 ================
  首页          http://$host:$port/
  工作人员登录  http://$host:$port/login/
  职工手机登录  http://$host:$port/login/phone/   （验证码打印在本窗口的服务器日志中）
  后台管理      http://$host:$port/admin/
  接口文档      http://$host:$port/api/v1/docs
  演示导览      http://$host:$port/tour/
  健康检查      http://$host:$port/healthz

  演示账号（密码均为 demo12345）:
    区总工会工作人员  district
    街道工会工作人员  street
    基层工会管理员    grassroots
    分拣员            collector
    检查员            inspector
    评审专家          expert
  职工（手机验证码登录）: 13800000001 … 13800000005
===================================================

TXT
