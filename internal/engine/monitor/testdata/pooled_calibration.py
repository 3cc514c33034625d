"""Calibration of the pooling rule (poolSparse, drift.go), by simulation.

Not run by the tests: it backs the figures in poolSparse's comment. For
each case, draws of a reference and a window from given category
probabilities; the 2 x k table is pooled by one of two rules — "small":
categories expected fewer than 5 times in the smaller sample (the rule
before), "both": fewer than 5 times in each sample (the rule now) — and
scipy's chi2_contingency (no correction) gives the share of draws with
p < 0.05 (one distribution: should be about 0.05), the share that the
automatic Jensen-Shannon choice calls drift (distance >= 0.1 and p < 0.05)
and the share not tested (every category pooled). Run with a Python that
has numpy and scipy: python3 pooled_calibration.py
"""
import numpy as np
from scipy.stats import chi2_contingency
rng=np.random.default_rng(1)
def pool(r,c,rule):
    nr,nc=r.sum(),c.sum(); n=nr+nc; tot=r+c
    es=min(nr,nc)*tot/n; el=max(nr,nc)*tot/n
    sp = es<5 if rule=="small" else (es<5)&(el<5)
    if sp.sum()<2: return r,c,sp.sum()
    keep=~sp
    return np.append(r[keep],r[sp].sum()), np.append(c[keep],c[sp].sum()), sp.sum()
def js(r,c):
    p=r/r.sum(); q=c/c.sum(); m=(p+q)/2
    def kl(a,b):
        k=a>0; return (a[k]*np.log(a[k]/b[k])).sum()
    return np.sqrt((kl(p,m)+kl(q,m))/2)
def run(name,probs,R,C,trials=400,shift=None):
    for rule in ("small","both"):
        fp=0; untested=0; jsdr=0
        for _ in range(trials):
            r=rng.multinomial(R,probs).astype(float); c=rng.multinomial(C,probs if shift is None else shift).astype(float)
            k=(r+c)>0; r,c=r[k],c[k]
            rb,cb,pooled=pool(r,c,rule)
            if len(rb)<2 or (rb+cb==0).any(): untested+=1; continue
            p=chi2_contingency(np.vstack([rb,cb]),correction=False)[1]
            fp+= p<0.05; jsdr += (js(rb,cb)>=0.1) and (p<0.05)
        print(f"{name:40s} rule={rule:5s} chi2 p<0.05: {fp/trials:.3f}  auto-JS drift: {jsdr/trials:.3f} untested: {untested/trials:.3f}")
K=100; run("H0 uniform100 R20000 C200",np.full(K,1/K),20000,200)
pr=np.array([0.5]+[0.5/250]*250); run("H0 head+tail R50000 C500",pr,50000,500)
run("H0 uniform20000 R5000 C5000",np.full(20000,1/20000),5000,5000,trials=100)
run("H0 uniform1000 R20000 C200",np.full(1000,1/1000),20000,200)
run("H0 uniform300 R100000 C100",np.full(300,1/300),100000,100)
sh=np.full(K,0.5/99); sh[0]=0.5
run("H1 uniform100, cur half on c0",np.full(K,1/K),20000,200,trials=100,shift=sh)
