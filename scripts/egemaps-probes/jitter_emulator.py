import numpy as np
HOP=160
def pearson(a,b):
    a=a-a.mean(); b=b-b.mean(); d=np.sqrt(np.dot(a,a)*np.dot(b,b)); return float(np.dot(a,b)/d) if d>0 else 0.0
class Emu4:
    def __init__(s,x,f0,rate=16000,minCC=0.5,rng=0.1,first_thr=-2,later_thr=158,hold=True,edge='localmax',fail='lag',ampL='round',later='2.2T',rmode=('floor','floor'),t0src='cur',ccinterp=True,interior=True,edge_adv='T0',keepL='fail'):
        s.x=np.asarray(x,float); s.f0=f0; s.rate=rate; s.minCC=minCC; s.rng=rng; s.ft=first_thr; s.lt=later_thr
        s.hold=hold; s.edge=edge; s.fail=fail; s.ampL=ampL; s.later=later; s.rmode=rmode; s.t0src=t0src; s.ccinterp=ccinterp; s.interior=interior; s.edge_adv=edge_adv; s.keepL=keepL
    def measure(s,p,T0):
        R={'floor':np.floor,'ceil':np.ceil,'round':np.round}; x=s.x; lo=int(R[s.rmode[0]](T0*(1-s.rng))); hi=int(R[s.rmode[1]](T0*(1+s.rng)))
        if p<0 or p+2*(hi+1)+2>=len(x): return 'end'
        cc=np.array([pearson(x[p:p+L],x[p+L:p+2*L]) for L in range(lo-1,hi+2)])
        if s.edge=='localmax':
            cands=[k for k in range(2 if s.interior else 1,len(cc)-(2 if s.interior else 1)) if cc[k]>=cc[k-1] and cc[k]>=cc[k+1]]
            if not cands: return ('edge', lo-1+int(np.argmax(cc[1:-1]))+1)
            k=max(cands,key=lambda k:cc[k])
        else:
            k=int(np.argmax(cc[1:-1]))+1
        A,B,C=cc[k-1],cc[k],cc[k+1]; dd=A-2*B+C; off=0.0 if dd==0 else max(-1.0,min(1.0,0.5*(A-C)/dd))
        L=lo-1+k+off
        height=B-0.25*(A-C)*off if s.ccinterp else B
        if height<s.minCC: return ('fail',L)
        if s.edge not in ('keep','localmax') and (k==1 or k==len(cc)-2): return ('edge',L)
        Li=int(round(L)) if s.ampL=='round' else lo-1+k
        a=x[p:p+Li-1]; b=x[p+Li:p+2*Li-1]
        return ('ok',L,a.max()-a.min(),b.max()-b.min())
    def run(s):
        out=[]; last=(0.0,0.0); p=None; Lprev=None
        for m,f in enumerate(s.f0):
            if f<=0:
                p=None; last=(0.0,0.0); out.append((0.0,0.0,[]))
                if s.keepL!='all': Lprev=None
                continue
            T0=s.rate/f; fresh=False
            if p is None:
                p=m*HOP; fresh=True
                if s.keepL!='all': Lprev=None
            new=[]; count=0
            while True:
                if count==0:
                    if not (fresh or p-m*HOP<=s.ft): break
                else:
                    hi=int(np.ceil(T0*(1+s.rng)))
                    need=2*(1+s.rng)*T0 if s.later=='2.2T' else 2*hi
                    if not (p+need-m*HOP<=s.lt): break
                Tm=T0
                if s.t0src!='cur':
                    q={'atp':int(p//HOP),'prev':m-1,'atp+1':int(p//HOP)+1,'atp-1':int(p//HOP)-1,'center':int(round((p-480)/HOP))}[s.t0src]
                    q=min(max(q,0),len(s.f0)-1)
                    if s.f0[q]>0: Tm=s.rate/s.f0[q]
                r=s.measure(p,Tm); count+=1; fresh=False
                if r=='end': break
                if r[0]=='fail':
                    p+={'T0':int(round(T0)),'lag':int(round(r[1])),'floorT0':int(np.floor(T0)),'ceilT0':int(np.ceil(T0)),'hop':HOP,'lo':int(np.floor(T0*0.9))}[s.fail]
                    if s.keepL=='none': Lprev=None
                    continue
                if r[0]=='edge':
                    p+=int(round(Tm)) if s.edge_adv=='T0' else int(round(r[1]))
                    if s.keepL=='none': Lprev=None
                    continue
                _,L,a1,a2=r
                new.append((Lprev,L,a1,a2)); Lprev=L; p+=int(round(L))
            if new:
                pairs=[(a,b) for a,b,_,_ in new if a is not None]
                jit=sum(abs(b-a) for a,b in pairs)/sum(b for a,b in pairs) if pairs else 0.0
                ch=sum(abs(d-c) for _,_,c,d in new); lv=sum((c+d)/2 for _,_,c,d in new)
                last=(jit,20*np.log10(1+ch/lv) if lv>0 else 0.0)
            elif not s.hold: last=(0.0,0.0)
            out.append((last[0],last[1],new))
        return out,[]
