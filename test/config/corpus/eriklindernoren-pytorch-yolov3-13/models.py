from __future__ import division

import torch
import torch.nn as nn
from torch.autograd import Variable

from utils.parse_config import parse_model_config
from utils.utils import build_targets


class YOLOLayer(nn.Module):
    """One YOLO output scale: decodes boxes and, with targets, returns the losses."""
    def __init__(self, anchors, num_classes, image_dim):
        super(YOLOLayer, self).__init__()
        self.anchors = anchors
        self.num_anchors = len(anchors)
        self.num_classes = num_classes
        self.bbox_attrs = 5 + num_classes
        self.image_dim = image_dim
        self.ignore_thres = 0.5
        self.coord_scale = 1
        self.class_scale = 1

        self.mse_loss = nn.MSELoss()
        self.bce_loss = nn.BCELoss()

    def forward(self, x, targets=None):
        bs = x.size(0)
        g_dim = x.size(2)
        stride = self.image_dim / g_dim
        FloatTensor = torch.cuda.FloatTensor if x.is_cuda else torch.FloatTensor

        prediction = x.view(bs, self.num_anchors, self.bbox_attrs, g_dim, g_dim).permute(0, 1, 3, 4, 2).contiguous()

        x = torch.sigmoid(prediction[..., 0])        
        y = torch.sigmoid(prediction[..., 1])        
        w = prediction[..., 2]                       
        h = prediction[..., 3]                       
        conf = torch.sigmoid(prediction[..., 4])     
        pred_cls = torch.sigmoid(prediction[..., 5:])

        scaled_anchors = [(a_w / stride, a_h / stride) for a_w, a_h in self.anchors]
        pred_boxes = self.decode(x, y, w, h, scaled_anchors, g_dim, FloatTensor)

        if targets is not None:
            nGT, nCorrect, coord_mask, conf_mask, cls_mask, tx, ty, tw, th, tconf, tcls = build_targets(
                pred_boxes.cpu().data, targets.cpu().data, scaled_anchors,
                self.num_anchors, self.num_classes, g_dim, self.ignore_thres)

            tx    = Variable(tx.type(FloatTensor), requires_grad=False)
            ty    = Variable(ty.type(FloatTensor), requires_grad=False)
            tw    = Variable(tw.type(FloatTensor), requires_grad=False)
            th    = Variable(th.type(FloatTensor), requires_grad=False)
            tconf = Variable(tconf.type(FloatTensor), requires_grad=False)
            tcls  = Variable(tcls[cls_mask == 1].type(FloatTensor), requires_grad=False)
            coord_mask = Variable(coord_mask.type(FloatTensor), requires_grad=False)
            conf_mask  = Variable(conf_mask.type(FloatTensor), requires_grad=False)

            # each term is a mean over the cells selected by its mask
            loss_x = self.coord_scale * self.mse_loss(x[coord_mask == 1], tx[coord_mask == 1]) / 2
            loss_y = self.coord_scale * self.mse_loss(y[coord_mask == 1], ty[coord_mask == 1]) / 2
            loss_w = self.coord_scale * self.mse_loss(w[coord_mask == 1], tw[coord_mask == 1]) / 2
            loss_h = self.coord_scale * self.mse_loss(h[coord_mask == 1], th[coord_mask == 1]) / 2
            loss_conf = self.bce_loss(conf[conf_mask == 1], tconf[conf_mask == 1])
            loss_cls = self.class_scale * self.bce_loss(pred_cls[cls_mask == 1], tcls)
            loss = loss_x + loss_y + loss_w + loss_h + loss_conf + loss_cls

            return loss, loss_x.item(), loss_y.item(), loss_w.item(), loss_h.item(), loss_conf.item(), loss_cls.item()

        output = torch.cat((pred_boxes.view(bs, -1, 4) * stride, conf.view(bs, -1, 1),
                            pred_cls.view(bs, -1, self.num_classes)), -1)
        return output.data

    def decode(self, x, y, w, h, scaled_anchors, g_dim, FloatTensor):
        bs, na = x.size(0), self.num_anchors
        grid = torch.arange(g_dim).type(FloatTensor)
        anchors = FloatTensor(scaled_anchors).view(1, na, 1, 1, 2)
        boxes = FloatTensor(bs, na, g_dim, g_dim, 4)
        boxes[..., 0] = x.data + grid.view(1, 1, 1, g_dim)
        boxes[..., 1] = y.data + grid.view(1, 1, g_dim, 1)
        boxes[..., 2] = torch.exp(w.data) * anchors[..., 0]
        boxes[..., 3] = torch.exp(h.data) * anchors[..., 1]
        return boxes


class Darknet(nn.Module):
    """YOLOv3 object detection model (layer construction abridged)"""
    def __init__(self, config_path, img_size=416):
        super(Darknet, self).__init__()
        self.module_defs = parse_model_config(config_path)
        self.img_size = img_size
        self.loss_names = ['x', 'y', 'w', 'h', 'conf', 'cls']

    def forward(self, x, targets=None):
        is_training = targets is not None
        output = []
        self.losses = dict.fromkeys(self.loss_names, 0)
        for module_def, module in zip(self.module_defs, self.module_list):
            if module_def['type'] == 'yolo' and is_training:
                x, *losses = module[0](x, targets)
                for name, loss in zip(self.loss_names, losses):
                    self.losses[name] += loss
                output.append(x)
            else:
                x = module(x)
        return sum(output) if is_training else torch.cat(output, 1)
