import logging

import torch


def cli(parser):
    group = parser.add_argument_group('optimizer')
    group.add_argument('--momentum', type=float, default=0.9,
                       help='momentum (beta1 for Adam)')
    group.add_argument('--beta2', type=float, default=0.999,
                       help='Adam beta2')
    group.add_argument('--adam-eps', type=float, default=1e-6,
                       help='Adam eps')
    group.add_argument('--no-nesterov', dest='nesterov', default=True, action='store_false',
                       help='plain momentum instead of Nesterov')
    group.add_argument('--weight-decay', type=float, default=0.0,
                       help='SGD/Adam weight decay')
    group.add_argument('--adam', action='store_true',
                       help='use Adam optimizer')

    group_s = parser.add_argument_group('learning rate scheduler')
    group_s.add_argument('--lr', type=float, default=1e-3,
                         help='learning rate')
    group_s.add_argument('--lr-decay', default=[], nargs='+', type=int,
                         help='epochs where the lr is decayed')
    group_s.add_argument('--lr-burn-in-epochs', default=3, type=int,
                         help='epochs of exponential lr burn-in at the start')
    group_s.add_argument('--lr-burn-in-factor', default=0.01, type=float,
                         help='learning rate pre-factor at the start of burn-in')
    group_s.add_argument('--lr-gamma', default=0.1, type=float,
                         help='learning rate decay factor')


def factory(args, parameters):
    trainable = (p for p in parameters if p.requires_grad)
    if args.adam:
        logging.info('Adam optimizer')
        optimizer = torch.optim.Adam(trainable, lr=args.lr, betas=(args.momentum, args.beta2),
                                     weight_decay=args.weight_decay, eps=args.adam_eps)
    else:
        logging.info('SGD optimizer')
        optimizer = torch.optim.SGD(trainable, lr=args.lr, momentum=args.momentum,
                                    weight_decay=args.weight_decay, nesterov=args.nesterov)

    def lambda_schedule(epoch):
        # exponential burn-in from lr * burn_in_factor up to lr, counted in epochs
        if epoch < args.lr_burn_in_epochs:
            return args.lr_burn_in_factor**(1.0 - epoch / args.lr_burn_in_epochs)
        factor = 1.0
        for d in args.lr_decay:
            if epoch >= d:
                factor *= args.lr_gamma
        return factor

    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, [lambda_schedule])
    return optimizer, scheduler
