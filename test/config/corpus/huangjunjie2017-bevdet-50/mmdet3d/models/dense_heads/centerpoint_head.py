# CenterHead loss (abridged)
import torch
from mmcv.runner import BaseModule, force_fp32

from mmdet3d.models.builder import HEADS, build_loss
from mmdet3d.models.utils import clip_sigmoid


@HEADS.register_module()
class CenterHead(BaseModule):

    def __init__(self, tasks, loss_cls, loss_bbox, norm_bbox=True, **kwargs):
        super().__init__()
        self.class_names = [t['class_names'] for t in tasks]
        self.loss_cls = build_loss(loss_cls)
        self.loss_bbox = build_loss(loss_bbox)
        self.norm_bbox = norm_bbox
        self.fp16_enabled = False

    @force_fp32(apply_to=('preds_dicts'))
    def loss(self, gt_bboxes_3d, gt_labels_3d, preds_dicts, **kwargs):
        heatmaps, anno_boxes, inds, masks = self.get_targets(gt_bboxes_3d, gt_labels_3d)
        loss_dict = dict()
        for task_id, preds_dict in enumerate(preds_dicts):
            # heatmap focal loss on clamped sigmoid outputs
            preds_dict[0]['heatmap'] = clip_sigmoid(preds_dict[0]['heatmap'])
            num_pos = heatmaps[task_id].eq(1).float().sum().item()
            loss_heatmap = self.loss_cls(
                preds_dict[0]['heatmap'],
                heatmaps[task_id],
                avg_factor=max(num_pos, 1))
            target_box = anno_boxes[task_id]
            pred = self.gather_reg(preds_dict[0], inds[task_id])
            mask = masks[task_id].float()
            num = mask.sum()
            bbox_weights = mask.unsqueeze(-1).expand_as(target_box).float()
            loss_bbox = self.loss_bbox(pred, target_box, bbox_weights, avg_factor=(num + 1e-4))
            loss_dict[f'task{task_id}.loss_heatmap'] = loss_heatmap
            loss_dict[f'task{task_id}.loss_bbox'] = loss_bbox
        return loss_dict
