# Loss functions (abridged to the auxiliary-head OTA loss used by train_aux.py)
import torch
import torch.nn as nn

from utils.general import bbox_iou


class ComputeLossAuxOTA:
    def __init__(self, model, autobalance=False):
        h = model.hyp
        self.BCEcls = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([h['cls_pw']]))
        self.BCEobj = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([h['obj_pw']]))
        self.cp, self.cn = 1.0, 0.0
        self.balance = [4.0, 1.0, 0.25, 0.06, 0.02]
        self.gr = model.gr
        self.hyp = h
        self.nl = model.model[-1].nl
        self.nc = model.nc
        self.autobalance = autobalance

    def __call__(self, p, targets, imgs):
        device = targets.device
        lcls, lbox, lobj = torch.zeros(1, device=device), torch.zeros(1, device=device), torch.zeros(1, device=device)
        bs_aux, as_aux_, gjs_aux, gis_aux, targets_aux, anchors_aux = self.build_targets2(p[:self.nl], targets, imgs)
        bs, as_, gjs, gis, targets, anchors = self.build_targets(p[:self.nl], targets, imgs)
        gains = [torch.tensor(pp.shape, device=device)[[3, 2, 3, 2]] for pp in p[:self.nl]]

        for i in range(self.nl):
            pi, pi_aux = p[i], p[i + self.nl]
            b, a, gj, gi = bs[i], as_[i], gjs[i], gis[i]
            b_aux, a_aux, gj_aux, gi_aux = bs_aux[i], as_aux_[i], gjs_aux[i], gis_aux[i]
            tobj = torch.zeros_like(pi[..., 0], device=device)
            tobj_aux = torch.zeros_like(pi_aux[..., 0], device=device)

            n, n_aux = b.shape[0], b_aux.shape[0]
            if n:
                ps = pi[b, a, gj, gi]
                ps_aux = pi_aux[b_aux, a_aux, gj_aux, gi_aux]

                grid = torch.stack([gi, gj], dim=1)
                grid_aux = torch.stack([gi_aux, gj_aux], dim=1)
                pxy = ps[:, :2].sigmoid() * 2. - 0.5
                pxy_aux = ps_aux[:, :2].sigmoid() * 2. - 0.5
                pwh = (ps[:, 2:4].sigmoid() * 2) ** 2 * anchors[i]
                pwh_aux = (ps_aux[:, 2:4].sigmoid() * 2) ** 2 * anchors_aux[i]
                pbox = torch.cat((pxy, pwh), 1)
                pbox_aux = torch.cat((pxy_aux, pwh_aux), 1)
                tbox = targets[i][:, 2:6] * gains[i]
                tbox_aux = targets_aux[i][:, 2:6] * gains[i]
                tbox[:, :2] -= grid
                tbox_aux[:, :2] -= grid_aux
                iou = bbox_iou(pbox.T, tbox, x1y1x2y2=False, CIoU=True)
                iou_aux = bbox_iou(pbox_aux.T, tbox_aux, x1y1x2y2=False, CIoU=True)
                lbox += (1.0 - iou).mean() + 0.25 * (1.0 - iou_aux).mean()

                tobj[b, a, gj, gi] = (1.0 - self.gr) + self.gr * iou.detach().clamp(0).type(tobj.dtype)
                tobj_aux[b_aux, a_aux, gj_aux, gi_aux] = (1.0 - self.gr) + self.gr * iou_aux.detach().clamp(0).type(tobj_aux.dtype)

                tcls = targets[i][:, 1].long()
                tcls_aux = targets_aux[i][:, 1].long()
                if self.nc > 1:
                    t = torch.full_like(ps[:, 5:], self.cn, device=device)
                    t_aux = torch.full_like(ps_aux[:, 5:], self.cn, device=device)
                    t[range(n), tcls] = self.cp
                    t_aux[range(n_aux), tcls_aux] = self.cp
                    lcls += self.BCEcls(ps[:, 5:], t) + 0.25 * self.BCEcls(ps_aux[:, 5:], t_aux)

            obji = self.BCEobj(pi[..., 4], tobj)
            obji_aux = self.BCEobj(pi_aux[..., 4], tobj_aux)
            lobj += obji * self.balance[i] + 0.25 * obji_aux * self.balance[i]

        lbox *= self.hyp['box']
        lobj *= self.hyp['obj']
        lcls *= self.hyp['cls']
        bs = tobj.shape[0]

        loss = lbox + lobj + lcls
        return loss * bs, torch.cat((lbox, lobj, lcls, loss)).detach()

    def build_targets(self, p, targets, imgs):
        raise NotImplementedError  # SimOTA matching, omitted

    def build_targets2(self, p, targets, imgs):
        raise NotImplementedError  # SimOTA matching for the aux head, omitted
